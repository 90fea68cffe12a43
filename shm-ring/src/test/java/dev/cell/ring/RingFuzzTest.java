package dev.cell.ring;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A hostile or buggy peer writes garbage straight into the shared ring memory: random bytes, truncated or
 * oversized record headers, bad type ids. The reader must report {@link Junction#CORRUPT} or deliver frames that lie
 * inside the ring, and never throw or hang.
 */
class RingFuzzTest
{
    private static final int CAPACITY = JunctionDescriptor.MIN_CAPACITY * 4;

    @Test
    void garbageInTheRingIsReportedNotFatal() throws Exception
    {
        final long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("RingFuzzTest seed=" + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        final Path dir = TestDirs.newDir("fuzz");
        int corrupt = 0;
        int delivered = 0;
        for (int round = 0; round < 300; round++)
        {
            final Path file = dir.resolve(round + ".junction");
            try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
                Junction server = Junction.attach(file))
            {
                // A few valid frames first, so the head is somewhere inside the ring.
                final int valid = random.nextInt(4);
                final UnsafeBuffer msg = new UnsafeBuffer(new byte[64]);
                for (int i = 0; i < valid; i++)
                {
                    assertEquals(Junction.OK, client.send(1, msg, 0, 1 + random.nextInt(64)));
                }
                server.read((final int t, final DirectBuffer b, final int i, final int l) -> true, 100);

                final UnsafeBuffer ring = new UnsafeBuffer(
                    client.outboundBuffer(), 0, CAPACITY);
                final int head = (int)(client.outboundBuffer().getLong(
                    CAPACITY + org.agrona.concurrent.ringbuffer.RingBufferDescriptor.HEAD_POSITION_OFFSET)) &
                    (CAPACITY - 1);
                mutate(random, ring, head);

                final int[] frames = new int[1];
                final FrameHandler check = (final int type, final DirectBuffer b, final int index, final int len) ->
                {
                    assertTrue(type > 0);
                    assertTrue(len >= 0 && len <= server.maxMessageLength());
                    assertTrue(index >= 0 && index + len <= CAPACITY);
                    b.getByte(index + Math.max(0, len - 1));
                    frames[0]++;
                    return true;
                };
                for (int attempt = 0; attempt < 20; attempt++)
                {
                    final int read = server.read(check, 1000);
                    if (read == Junction.CORRUPT)
                    {
                        assertNotNull(server.corruption());
                        assertEquals(Junction.CORRUPT, server.read(check, 1000), "corrupt stays corrupt");
                        corrupt++;
                        break;
                    }
                    if (read == 0)
                    {
                        break;
                    }
                }
                delivered += frames[0];
            }
        }
        System.out.println("RingFuzzTest: " + corrupt + " rounds detected corruption, " + delivered +
            " frames delivered within bounds");
        assertTrue(corrupt > 0, "the generator should produce detectable corruption");
    }

    private static void mutate(final SplittableRandom random, final UnsafeBuffer ring, final int head)
    {
        switch (random.nextInt(6))
        {
            case 0 -> // random bytes at the head
            {
                final int len = 8 + random.nextInt(256);
                for (int i = 0; i < len && head + i < CAPACITY; i++)
                {
                    ring.putByte(head + i, (byte)random.nextInt());
                }
            }
            case 1 -> // oversized record length
            {
                ring.putInt(RecordDescriptor.typeOffset(head), 1);
                ring.putInt(RecordDescriptor.lengthOffset(head), CAPACITY + random.nextInt(1 << 20));
            }
            case 2 -> // truncated: length shorter than a record header
            {
                ring.putInt(RecordDescriptor.typeOffset(head), 1);
                ring.putInt(RecordDescriptor.lengthOffset(head), 1 + random.nextInt(RecordDescriptor.HEADER_LENGTH - 1));
            }
            case 3 -> // bad type id
            {
                ring.putInt(RecordDescriptor.typeOffset(head), -2 - random.nextInt(1000));
                ring.putInt(RecordDescriptor.lengthOffset(head), RecordDescriptor.HEADER_LENGTH + 8);
            }
            case 4 -> // record running past the end of the ring
            {
                ring.putInt(RecordDescriptor.typeOffset(head), 1);
                ring.putInt(RecordDescriptor.lengthOffset(head), CAPACITY - head + 8 + random.nextInt(64));
            }
            default -> // a chain of random record headers
            {
                int index = head;
                for (int i = 0; i < 8 && index + 8 <= CAPACITY; i++)
                {
                    final int len = random.nextInt(-64, 4096);
                    ring.putInt(RecordDescriptor.typeOffset(index), random.nextInt(-3, 5));
                    ring.putInt(RecordDescriptor.lengthOffset(index), len);
                    index += Math.max(8, (len + 7) & ~7);
                }
            }
        }
    }
}
