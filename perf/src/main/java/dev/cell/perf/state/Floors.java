package dev.cell.perf.state;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * What a commit cannot beat on this machine: an append of the command plus {@code fdatasync}
 * ({@code FileChannel.force(false)}) to a preallocated file, alone or by several writers at once (three replicas on
 * one disk), and a round trip of the command over loopback TCP.
 */
public final class Floors
{
    private static final long PREALLOCATED = 64L << 20;

    private Floors()
    {
    }

    /**
     * {@code writers} threads, each appending {@code bytes} and syncing its own preallocated file in {@code dir} back
     * to back, all at once.
     *
     * @param dir     a folder on the disk the replicas use.
     * @param writers how many files synced concurrently.
     * @param bytes   bytes per append.
     * @param seconds how long.
     * @return every sync's latency (write + force), merged.
     */
    public static Load.Sample fdatasync(final Path dir, final int writers, final int bytes, final double seconds)
    {
        final List<FileChannel> files = new ArrayList<>();
        try
        {
            Files.createDirectories(dir);
            for (int w = 0; w < writers; w++)
            {
                files.add(preallocated(dir.resolve("floor-" + w + ".log")));
            }
            final Histogram merged = Load.histogram();
            final long[] calls = new long[writers];
            final CountDownLatch start = new CountDownLatch(1);
            final List<Thread> threads = new ArrayList<>();
            final Histogram[] per = new Histogram[writers];
            final IOException[] failure = new IOException[1];
            for (int w = 0; w < writers; w++)
            {
                final int slot = w;
                per[w] = Load.histogram();
                threads.add(Thread.ofPlatform().name("floor-" + w).start(() ->
                {
                    final ByteBuffer b = ByteBuffer.allocateDirect(bytes);
                    final FileChannel ch = files.get(slot);
                    long position = 0;
                    try
                    {
                        start.await();
                        final long end = System.nanoTime() + (long)(seconds * 1e9);
                        long now = System.nanoTime();
                        while (now < end && position + bytes < PREALLOCATED)
                        {
                            b.clear();
                            final long t0 = now;
                            ch.write(b, position);
                            ch.force(false);
                            now = System.nanoTime();
                            per[slot].recordValue(now - t0);
                            position += bytes;
                            calls[slot]++;
                        }
                    }
                    catch (final IOException ex)
                    {
                        synchronized (failure)
                        {
                            failure[0] = ex;
                        }
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            final long cpu0 = Load.cpuNs();
            final long t0 = System.nanoTime();
            start.countDown();
            for (final Thread t : threads)
            {
                t.join();
            }
            final long elapsed = System.nanoTime() - t0;
            if (failure[0] != null)
            {
                throw new UncheckedIOException("fdatasync floor in " + dir, failure[0]);
            }
            long total = 0;
            for (int w = 0; w < writers; w++)
            {
                merged.add(per[w]);
                total += calls[w];
            }
            return new Load.Sample(merged, total, 0, elapsed, Load.cpuNs() - cpu0);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("fdatasync floor in " + dir, ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        finally
        {
            for (final FileChannel ch : files)
            {
                try
                {
                    ch.close();
                }
                catch (final IOException ignore)
                {
                    // Benchmark teardown.
                }
            }
        }
    }

    /**
     * A file of 64 MiB written with zeros and synced (size and blocks on disk before the first timed append).
     */
    private static FileChannel preallocated(final Path file) throws IOException
    {
        final FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        final ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        for (long p = 0; p < PREALLOCATED; p += zeros.capacity())
        {
            zeros.clear();
            while (zeros.hasRemaining())
            {
                ch.write(zeros, p + zeros.position());
            }
        }
        ch.force(true);
        return ch;
    }

    /**
     * Round trips of {@code bytes} over a loopback TCP connection (blocking channels, TCP_NODELAY, an echo thread).
     *
     * @param bytes   message size.
     * @param seconds how long.
     * @return the round trips' latencies.
     */
    public static Load.Sample loopback(final int bytes, final double seconds)
    {
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            final Thread echo = Thread.ofPlatform().daemon(true).name("loopback-echo").start(() ->
            {
                try (SocketChannel peer = server.accept())
                {
                    peer.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    final ByteBuffer b = ByteBuffer.allocateDirect(bytes);
                    while (true)
                    {
                        b.clear();
                        while (b.hasRemaining())
                        {
                            if (peer.read(b) < 0)
                            {
                                return;
                            }
                        }
                        b.flip();
                        while (b.hasRemaining())
                        {
                            peer.write(b);
                        }
                    }
                }
                catch (final IOException ignore)
                {
                    // The client closed.
                }
            });
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress()))
            {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                final ByteBuffer b = ByteBuffer.allocateDirect(bytes);
                final Load.Sample s = Load.backToBack(seconds, () ->
                {
                    try
                    {
                        b.clear();
                        while (b.hasRemaining())
                        {
                            client.write(b);
                        }
                        b.clear();
                        while (b.hasRemaining())
                        {
                            if (client.read(b) < 0)
                            {
                                throw new IOException("echo closed");
                            }
                        }
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex);
                    }
                });
                client.close();
                echo.join(5_000);
                return s;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("loopback round trip", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
