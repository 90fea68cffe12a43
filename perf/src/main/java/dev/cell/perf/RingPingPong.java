package dev.cell.perf;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The baseline: a raw Agrona {@link OneToOneRingBuffer} ping-pong between two processes over one mapped file,
 * both sides busy-spinning, no framing beyond the ring's own. What a junction adds is measured against this.
 */
public final class RingPingPong
{
    static final int RING_CAPACITY = 64 * 1024;
    static final int RING_LENGTH = RING_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    static final int MSG_TYPE = 1;
    static final int MESSAGE_LENGTH = 32;

    private RingPingPong()
    {
    }

    static OneToOneRingBuffer[] map(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, 2L * RING_LENGTH);
            return new OneToOneRingBuffer[]{
                new OneToOneRingBuffer(new UnsafeBuffer(mapped, 0, RING_LENGTH)),
                new OneToOneRingBuffer(new UnsafeBuffer(mapped, RING_LENGTH, RING_LENGTH))};
        }
    }

    /**
     * Measure round trips against a {@link Ponger} already attached to {@code file}.
     *
     * @param file      the shared file.
     * @param warmup    round trips before measuring.
     * @param count     round trips measured.
     * @return round-trip times in nanoseconds.
     * @throws IOException if the file cannot be mapped.
     */
    static Histogram ping(final Path file, final int warmup, final int count) throws IOException
    {
        final OneToOneRingBuffer[] rings = map(file);
        final OneToOneRingBuffer out = rings[0];
        final OneToOneRingBuffer in = rings[1];
        final UnsafeBuffer message = new UnsafeBuffer(new byte[MESSAGE_LENGTH]);
        final Histogram histogram = new Histogram(10_000_000_000L, 3);
        final long[] received = new long[1];
        final MessageHandler handler = (type, buffer, index, length) -> received[0] = buffer.getLong(index);
        for (int i = 0; i < warmup + count; i++)
        {
            final long startNs = System.nanoTime();
            message.putLong(0, startNs);
            while (!out.write(MSG_TYPE, message, 0, MESSAGE_LENGTH))
            {
                Thread.onSpinWait();
            }
            received[0] = 0;
            while (in.read(handler, 1) == 0)
            {
                Thread.onSpinWait();
            }
            if (i >= warmup)
            {
                histogram.recordValue(System.nanoTime() - startNs);
            }
        }
        message.putLong(0, -1);
        while (!out.write(MSG_TYPE, message, 0, MESSAGE_LENGTH))
        {
            Thread.onSpinWait();
        }
        return histogram;
    }

    /**
     * The other process: echoes every message until it gets -1.
     */
    public static final class Ponger
    {
        private Ponger()
        {
        }

        /**
         * @param args the shared file.
         * @throws IOException if the file cannot be mapped.
         */
        public static void main(final String[] args) throws IOException
        {
            final OneToOneRingBuffer[] rings = map(Path.of(args[0]));
            final OneToOneRingBuffer in = rings[0];
            final OneToOneRingBuffer out = rings[1];
            final boolean[] stop = new boolean[1];
            final MessageHandler handler = (type, buffer, index, length) -> echo(out, buffer, index, length, stop);
            System.out.println("ready");
            System.out.flush();
            while (!stop[0])
            {
                if (in.read(handler, 1) == 0)
                {
                    Thread.onSpinWait();
                }
            }
            Files.deleteIfExists(Path.of(args[0]));
        }

        private static void echo(
            final OneToOneRingBuffer out, final DirectBuffer buffer, final int index, final int length,
            final boolean[] stop)
        {
            if (buffer.getLong(index) == -1)
            {
                stop[0] = true;
                return;
            }
            while (!out.write(MSG_TYPE, buffer, index, length))
            {
                Thread.onSpinWait();
            }
        }
    }
}
