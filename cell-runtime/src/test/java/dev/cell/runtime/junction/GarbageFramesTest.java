package dev.cell.runtime.junction;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.GenomeRequestEncoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.RejectCode;
import dev.cell.sbe.codecs.RejectDecoder;
import dev.cell.sbe.codecs.RequestEncoder;
import dev.cell.sbe.codecs.WelcomeDecoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Garbage written into junctions (seeded, the seed is printed): each bad junction is closed by the instance with
 * a BAD_FRAME failure (or a BAD_HELLO reject before the handshake) while a well-behaved client keeps being served.
 */
class GarbageFramesTest
{
    @Test
    void badFramesCloseOnlyTheirJunction() throws Exception
    {
        final long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("GarbageFramesTest seed=" + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        final SplittableRandom random = new SplittableRandom(seed);
        final Path home = newDir("home");
        final MemoryLog log = new MemoryLog();
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, log);
            CellConnection good = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            for (int round = 0; round < 60; round++)
            {
                final int variant = random.nextInt(11);
                try (RawClient raw = new RawClient(server.runDir()))
                {
                    if (variant == 10)
                    {
                        // Garbage before any Hello: rejected as BAD_HELLO.
                        raw.send(randomBytes(random, 8 + random.nextInt(100)));
                        final byte[] frame = raw.awaitFrame();
                        assertEquals(RejectDecoder.TEMPLATE_ID, templateId(frame), "round " + round);
                        final RejectDecoder reject = new RejectDecoder().wrapAndApplyHeader(
                            new UnsafeBuffer(frame), 0, new MessageHeaderDecoder());
                        assertEquals(RejectCode.BAD_HELLO, reject.code());
                    }
                    else
                    {
                        raw.hello(fingerprint());
                        assertEquals(WelcomeDecoder.TEMPLATE_ID, raw.awaitTemplate());
                        sendGarbage(random, raw, variant);
                        final byte[] frame = raw.awaitFrame();
                        assertEquals(FailureDecoder.TEMPLATE_ID, templateId(frame), "round " + round + " variant " +
                            variant);
                        final FailureDecoder failure = new FailureDecoder().wrapAndApplyHeader(
                            new UnsafeBuffer(frame), 0, new MessageHeaderDecoder());
                        assertEquals(0, failure.correlationId());
                        assertEquals(FailureCode.BAD_FRAME, failure.code());
                        assertFalse(failure.detail().isEmpty());
                    }
                    await(raw.junction::peerClosed, "instance closed the bad junction");
                }
                final int len = EchoCell.request(req, EchoCell.ECHO, round);
                good.call(req, 0, len, reply);
                assertEquals(round, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
            await(() -> server.connections() == 1, "only the good junction left");
            assertTrue(log.contains("bad frame"));
        }
    }

    @Test
    void requestWhoseDeadlinePassedIsNotRun() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new MemoryLog());
            RawClient raw = new RawClient(server.runDir()))
        {
            raw.hello(0);
            assertEquals(WelcomeDecoder.TEMPLATE_ID, raw.awaitTemplate());
            final ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
            new RequestEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .correlationId(77).sessionLow(1).sequence(1).deadlineEpochNs(Protocol.epochNanos() - 1_000_000);
            final ExpandableArrayBuffer app = new ExpandableArrayBuffer(64);
            EchoCell.request(app, EchoCell.ECHO, 1);
            b.putBytes(Protocol.REQUEST_PREFIX_LENGTH, app, 0, 16);
            raw.send(b, Protocol.REQUEST_PREFIX_LENGTH + 16);
            final FailureDecoder failure = new FailureDecoder().wrapAndApplyHeader(
                new UnsafeBuffer(raw.awaitFrame()), 0, new MessageHeaderDecoder());
            assertEquals(77, failure.correlationId());
            assertEquals(FailureCode.DEADLINE_EXCEEDED, failure.code());
            assertEquals(0, server.calls());
            assertFalse(raw.junction.peerClosed(), "a late request does not close the junction");
        }
    }

    private static void sendGarbage(final SplittableRandom random, final RawClient raw, final int variant)
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(512);
        final MessageHeaderEncoder header = new MessageHeaderEncoder();
        switch (variant)
        {
            case 0 -> // random bytes, not of our schema
            {
                final byte[] bytes = randomBytes(random, 8 + random.nextInt(300));
                if ((((bytes[4] & 0xFF) | (bytes[5] & 0xFF) << 8)) == Protocol.SCHEMA_ID)
                {
                    bytes[4]++;
                }
                raw.send(bytes);
            }
            case 1 -> // truncated: shorter than a message header
                raw.send(randomBytes(random, 1 + random.nextInt(7)));
            case 2 -> // block length larger than the frame
            {
                header.wrap(b, 0).blockLength(100 + random.nextInt(1000)).templateId(RequestEncoder.TEMPLATE_ID)
                    .schemaId(Protocol.SCHEMA_ID).version(0);
                raw.send(b, 8 + random.nextInt(50));
            }
            case 3 -> // Request without a cell message after the envelope
            {
                new RequestEncoder().wrapAndApplyHeader(b, 0, header).correlationId(5);
                raw.send(b, Protocol.REQUEST_PREFIX_LENGTH + random.nextInt(8));
            }
            case 4 -> // unknown template of our schema
            {
                header.wrap(b, 0).blockLength(8).templateId(200 + random.nextInt(100))
                    .schemaId(Protocol.SCHEMA_ID).version(0);
                raw.send(b, 16);
            }
            case 5 -> // second Hello
                raw.hello(fingerprint());
            case 6 -> // wrong ring record type
            {
                new GenomeRequestEncoder().wrapAndApplyHeader(b, 0, header).correlationId(1);
                raw.send(2 + random.nextInt(100), b, 16);
            }
            case 7 -> // Request block shorter than the envelope
            {
                header.wrap(b, 0).blockLength(random.nextInt(RequestEncoder.BLOCK_LENGTH))
                    .templateId(RequestEncoder.TEMPLATE_ID).schemaId(Protocol.SCHEMA_ID).version(0);
                raw.send(b, 8 + RequestEncoder.BLOCK_LENGTH);
            }
            case 8 -> // oversized record written straight into the ring
                corruptRing(raw, 1 << 20);
            default -> // truncated record header written straight into the ring
                corruptRing(raw, 1 + random.nextInt(RecordDescriptor.HEADER_LENGTH - 1));
        }
    }

    private static void corruptRing(final RawClient raw, final int recordLength)
    {
        final var ring = raw.junction.outboundBuffer();
        final int capacity = ring.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        final long tail = ring.getLongVolatile(capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET);
        final int index = (int)tail & (capacity - 1);
        ring.putInt(RecordDescriptor.typeOffset(index), 1);
        ring.putIntVolatile(RecordDescriptor.lengthOffset(index), recordLength);
        raw.junction.peerDoorbell().ring();
    }

    private static byte[] randomBytes(final SplittableRandom random, final int length)
    {
        final byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static int templateId(final byte[] frame)
    {
        return new UnsafeBuffer(frame).getShort(2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }
}
