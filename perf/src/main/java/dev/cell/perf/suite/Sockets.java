package dev.cell.perf.suite;

import dev.cell.tools.bench.Probe;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * TCP over loopback and Unix-domain-socket ping-pong with blocking JDK channels: both sides wait in the kernel
 * (no spinning), {@code TCP_NODELAY} on TCP.
 */
final class Sockets
{
    private Sockets()
    {
    }

    /**
     * Serve one connection: echo every {@link ComparisonSuite#MESSAGE_BYTES}-byte message until the peer closes.
     *
     * @param unixSocket the socket file, or null for TCP on an ephemeral loopback port (printed with "ready").
     */
    static void serve(final Path unixSocket) throws IOException
    {
        try (ServerSocketChannel server = unixSocket == null ?
            ServerSocketChannel.open(StandardProtocolFamily.INET) :
            ServerSocketChannel.open(StandardProtocolFamily.UNIX))
        {
            if (unixSocket == null)
            {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Peer.ready(Integer.toString(((InetSocketAddress)server.getLocalAddress()).getPort()));
            }
            else
            {
                server.bind(UnixDomainSocketAddress.of(unixSocket));
                Peer.ready("");
            }
            try (SocketChannel channel = server.accept())
            {
                if (unixSocket == null)
                {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                final ByteBuffer buffer = ByteBuffer.allocateDirect(ComparisonSuite.MESSAGE_BYTES);
                while (true)
                {
                    buffer.clear();
                    if (!readFully(channel, buffer))
                    {
                        return;
                    }
                    buffer.flip();
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer);
                    }
                }
            }
        }
    }

    private static boolean readFully(final SocketChannel channel, final ByteBuffer buffer) throws IOException
    {
        while (buffer.hasRemaining())
        {
            if (channel.read(buffer) < 0)
            {
                if (buffer.position() == 0)
                {
                    return false;
                }
                throw new EOFException("peer closed in the middle of a message");
            }
        }
        return true;
    }

    /**
     * The measuring side: one blocking channel, one message out and its echo back per call.
     */
    static final class SocketProbe implements Probe, AutoCloseable
    {
        private final SocketChannel channel;
        private final ByteBuffer out = ByteBuffer.allocateDirect(ComparisonSuite.MESSAGE_BYTES);
        private final ByteBuffer in = ByteBuffer.allocateDirect(ComparisonSuite.MESSAGE_BYTES);
        private long sequence;

        SocketProbe(final SocketAddress address) throws IOException
        {
            channel = SocketChannel.open(address);
            if (address instanceof InetSocketAddress)
            {
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        }

        @Override
        public void call() throws IOException
        {
            final long s = ++sequence;
            out.clear();
            out.putLong(0, s);
            while (out.hasRemaining())
            {
                channel.write(out);
            }
            in.clear();
            if (!readFully(channel, in))
            {
                throw new EOFException("socket peer closed");
            }
            if (in.getLong(0) != s)
            {
                throw new IllegalStateException("socket: got reply " + in.getLong(0) + " for request " + s);
            }
        }

        @Override
        public void close() throws IOException
        {
            channel.close();
        }
    }
}
