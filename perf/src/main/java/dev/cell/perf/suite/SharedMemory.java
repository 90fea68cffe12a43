package dev.cell.perf.suite;

import dev.cell.tools.bench.Probe;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The two shared-memory paths between two processes over one mapped file: the physical floor (one cache line) and
 * a raw Agrona ring-buffer pair. Both carry {@link ComparisonSuite#MESSAGE_BYTES} each way.
 */
final class SharedMemory
{
    /** Request half of the line: sequence at +0, payload words at +8, +16, +24. */
    static final int REQUEST = 0;
    /** Reply half of the same 64-byte line. */
    static final int REPLY = 32;
    static final int RING_CAPACITY = 64 * 1024;
    static final int RING_LENGTH = RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    static final int MSG_TYPE = 1;

    private SharedMemory()
    {
    }

    static UnsafeBuffer map(final Path file, final int length) throws IOException
    {
        try (FileChannel channel = FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            // a mapping starts on a page boundary, so offset 0 starts a cache line
            return new UnsafeBuffer(channel.map(FileChannel.MapMode.READ_WRITE, 0, length));
        }
    }

    static OneToOneRingBuffer[] rings(final Path file) throws IOException
    {
        final UnsafeBuffer mapped = map(file, 2 * RING_LENGTH);
        return new OneToOneRingBuffer[]{
            new OneToOneRingBuffer(new UnsafeBuffer(mapped, 0, RING_LENGTH)),
            new OneToOneRingBuffer(new UnsafeBuffer(mapped, RING_LENGTH, RING_LENGTH))};
    }

    /**
     * The floor's serving side: waits for a new request sequence, copies the 24 payload bytes into the reply half
     * and publishes the sequence there. Runs until the process ends.
     */
    static void serveFloor(final Path file, final Wait mode) throws IOException
    {
        final Wait.Waiter wait = mode.newWaiter();
        final UnsafeBuffer line = map(file, 4096);
        Peer.ready("");
        long last = 0;
        while (true)
        {
            final long sequence = line.getLongVolatile(REQUEST);
            if (sequence == last)
            {
                wait.idle();
                continue;
            }
            line.putLong(REPLY + 8, line.getLong(REQUEST + 8));
            line.putLong(REPLY + 16, line.getLong(REQUEST + 16));
            line.putLong(REPLY + 24, line.getLong(REQUEST + 24));
            line.putLongRelease(REPLY, sequence);
            last = sequence;
            wait.reset();
        }
    }

    /**
     * The ring's serving side: echoes every message from the first ring into the second.
     */
    static void serveRing(final Path file, final Wait mode) throws IOException
    {
        final Wait.Waiter wait = mode.newWaiter();
        final OneToOneRingBuffer[] rings = rings(file);
        final OneToOneRingBuffer in = rings[0];
        final OneToOneRingBuffer out = rings[1];
        final MessageHandler echo = (type, buffer, index, length) ->
        {
            while (!out.write(MSG_TYPE, buffer, index, length))
            {
                wait.idle();
            }
        };
        Peer.ready("");
        while (true)
        {
            if (in.read(echo, 1) == 0)
            {
                wait.idle();
            }
            else
            {
                wait.reset();
            }
        }
    }

    /**
     * The floor's measuring side.
     */
    static final class FloorProbe implements Probe
    {
        private final UnsafeBuffer line;
        private final Wait.Waiter wait;
        private long sequence;

        FloorProbe(final Path file, final Wait wait) throws IOException
        {
            this.line = map(file, 4096);
            this.wait = wait.newWaiter();
        }

        @Override
        public void call()
        {
            final long s = ++sequence;
            line.putLong(REQUEST + 8, s);
            line.putLong(REQUEST + 16, ~s);
            line.putLong(REQUEST + 24, s * 31);
            line.putLongRelease(REQUEST, s);
            wait.reset();
            while (line.getLongVolatile(REPLY) != s)
            {
                wait.idle();
            }
            if (line.getLong(REPLY + 16) != ~s)
            {
                throw new IllegalStateException("floor: reply payload does not match request " + s);
            }
        }
    }

    /**
     * The ring's measuring side: writes a message into the first ring and reads the echo from the second.
     */
    static final class RingProbe implements Probe, MessageHandler
    {
        private final OneToOneRingBuffer out;
        private final OneToOneRingBuffer in;
        private final Wait.Waiter wait;
        private final UnsafeBuffer message = new UnsafeBuffer(new byte[ComparisonSuite.MESSAGE_BYTES]);
        private long sequence;
        private long received;

        RingProbe(final Path file, final Wait wait) throws IOException
        {
            final OneToOneRingBuffer[] rings = rings(file);
            this.out = rings[0];
            this.in = rings[1];
            this.wait = wait.newWaiter();
        }

        @Override
        public void call()
        {
            final long s = ++sequence;
            message.putLong(0, s);
            wait.reset();
            while (!out.write(MSG_TYPE, message, 0, ComparisonSuite.MESSAGE_BYTES))
            {
                wait.idle();
            }
            wait.reset();
            while (in.read(this, 1) == 0)
            {
                wait.idle();
            }
            if (received != s)
            {
                throw new IllegalStateException("ring: got reply " + received + " for request " + s);
            }
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            received = buffer.getLong(index);
        }
    }
}
