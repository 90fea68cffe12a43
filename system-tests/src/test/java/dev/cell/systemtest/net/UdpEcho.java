package dev.cell.systemtest.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo server for tests: every datagram is sent back, unchanged, to its sender. In-process through
 * {@link #start(InetSocketAddress)}, or as a process: {@code UdpEcho --bind ADDR:PORT}, which prints
 * {@code echo ready bind=ADDR:PORT} once bound and {@code echo counters echoed=N} on exit.
 */
public final class UdpEcho implements AutoCloseable
{
    private final DatagramChannel channel;
    private final InetSocketAddress bound;
    private final AtomicLong echoed = new AtomicLong();
    private final Thread thread;

    private UdpEcho(final InetSocketAddress bind) throws IOException
    {
        channel = DatagramChannel.open();
        try
        {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
            channel.bind(bind);
            bound = (InetSocketAddress)channel.getLocalAddress();
        }
        catch (final IOException ex)
        {
            channel.close();
            throw ex;
        }
        thread = Thread.ofPlatform().daemon().name("udp-echo-" + bound.getPort()).start(this::run);
    }

    /**
     * Bind and start echoing on a thread of its own.
     *
     * @param bind the address to bind (port 0 for any).
     * @return the running echo; close it.
     * @throws IOException if it cannot bind.
     */
    public static UdpEcho start(final InetSocketAddress bind) throws IOException
    {
        return new UdpEcho(bind);
    }

    /**
     * @return the bound address.
     */
    public InetSocketAddress address()
    {
        return bound;
    }

    /**
     * @return how many datagrams were echoed.
     */
    public long echoed()
    {
        return echoed.get();
    }

    /**
     * Stop echoing. Idempotent.
     */
    public void close()
    {
        try
        {
            channel.close();
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final IOException ignore)
        {
            // already closing
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
        try
        {
            while (true)
            {
                buffer.clear();
                final InetSocketAddress source = (InetSocketAddress)channel.receive(buffer);
                buffer.flip();
                channel.send(buffer, source);
                echoed.incrementAndGet();
            }
        }
        catch (final ClosedChannelException ex)
        {
            // closed: done
        }
        catch (final IOException ex)
        {
            System.out.println("echo failed: " + ex);
        }
    }

    /**
     * Run as a process until killed.
     *
     * @param args {@code --bind ADDR:PORT}.
     * @throws Exception if the arguments are wrong or it cannot bind.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length != 2 || !"--bind".equals(args[0]))
        {
            throw new IllegalArgumentException("usage: UdpEcho --bind ADDR:PORT");
        }
        final UdpEcho echo = start(UdpRelayArgs.address(args[1]));
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            echo.close();
            System.out.println("echo counters echoed=" + echo.echoed());
            System.out.flush();
        }));
        System.out.println("echo ready bind=" + UdpRelayArgs.text(echo.address()));
        System.out.flush();
        echo.thread.join();
    }
}
