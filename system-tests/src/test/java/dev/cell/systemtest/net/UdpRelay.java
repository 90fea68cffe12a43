package dev.cell.systemtest.net;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A userspace UDP relay for tests, standing between a sender and a target to lose and delay datagrams. Every datagram
 * arriving at the listen address is forwarded to the target from an upstream socket of its own per source address,
 * and what arrives back on that upstream socket is forwarded to that source, so protocols that answer the sender's
 * address (Aeron's status messages and NAKs) work through it. Loss is decided per datagram with a seeded
 * {@link SplittableRandom}, one stream per direction, so a seed reproduces the drop pattern of each direction.
 * A fixed delay (at least the given microseconds, up to a millisecond more) is applied by scheduling, not by sleeping.
 * With a capture file the payload of every datagram that arrives, either direction, dropped or not, is appended raw.
 * <p>
 * In-process: {@link #start(Config)}, {@link #counters()}, {@link #close()}. As a process (for instance inside a
 * namespace through {@link NetNamespaces#command}): {@code UdpRelay --listen ADDR:PORT --target ADDR:PORT [--loss P]
 * [--delay-us N] [--seed S] [--capture FILE]}, which prints {@code relay seed=S}, then {@code relay ready listen=...
 * target=...} once bound, and {@code relay counters ...} on exit (SIGTERM included).
 */
public final class UdpRelay implements AutoCloseable
{
    private static final int MAX_DATAGRAM = 65_536;
    private static final int SOCKET_BUFFER = 4 * 1024 * 1024;
    private static final int BATCH = 64;

    private final Config config;
    private final Selector selector;
    private final DatagramChannel listener;
    private final InetSocketAddress listenAddress;
    private final Map<InetSocketAddress, DatagramChannel> upstreams = new HashMap<>();
    private final SplittableRandom outRandom;
    private final SplittableRandom backRandom;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
    private final FileChannel capture;
    private final AtomicLong forwardedOut = new AtomicLong();
    private final AtomicLong droppedOut = new AtomicLong();
    private final AtomicLong forwardedBack = new AtomicLong();
    private final AtomicLong droppedBack = new AtomicLong();
    private final AtomicLong unsent = new AtomicLong();
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile long delayNanos;
    private volatile Throwable failure;

    /**
     * What to relay and how.
     *
     * @param listen      where senders send to (port 0 for any).
     * @param target      where datagrams go.
     * @param loss        probability, 0 to 1, that a datagram is dropped, applied to each direction.
     * @param delayMicros fixed delay added to each direction, 0 for none.
     * @param seed        seed of the loss decisions.
     * @param capture     file to append every payload to, or null.
     */
    public record Config(
        InetSocketAddress listen, InetSocketAddress target, double loss, long delayMicros, long seed, Path capture)
    {
        /**
         * Validates the values.
         */
        public Config
        {
            if (!(loss >= 0.0 && loss <= 1.0))
            {
                throw new IllegalArgumentException("loss must be 0 to 1: " + loss);
            }
            if (delayMicros < 0)
            {
                throw new IllegalArgumentException("delay must be >= 0: " + delayMicros);
            }
        }
    }

    /**
     * Datagram counts so far. "Out" is sender to target, "back" is target to sender.
     *
     * @param forwardedOut  datagrams forwarded to the target.
     * @param droppedOut    datagrams from senders dropped.
     * @param forwardedBack datagrams forwarded back to senders.
     * @param droppedBack   datagrams from the target dropped.
     * @param unsent        datagrams not dropped but refused by a full socket buffer.
     */
    public record Counters(long forwardedOut, long droppedOut, long forwardedBack, long droppedBack, long unsent)
    {
        @Override
        public String toString()
        {
            return "forwarded-out=" + forwardedOut + " dropped-out=" + droppedOut + " forwarded-back=" + forwardedBack +
                " dropped-back=" + droppedBack + " unsent=" + unsent;
        }
    }

    private record Pending(long dueNanos, DatagramChannel channel, InetSocketAddress destination, byte[] payload)
    {
    }

    private UdpRelay(final Config config) throws IOException
    {
        this.config = config;
        this.delayNanos = TimeUnit.MICROSECONDS.toNanos(config.delayMicros());
        final SplittableRandom root = new SplittableRandom(config.seed());
        outRandom = root.split();
        backRandom = root.split();
        selector = Selector.open();
        listener = DatagramChannel.open(family(config.listen().getAddress()));
        try
        {
            listener.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            listener.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            listener.bind(config.listen());
            listener.configureBlocking(false);
            listener.register(selector, SelectionKey.OP_READ);
            listenAddress = (InetSocketAddress)listener.getLocalAddress();
            capture = config.capture() == null ? null : FileChannel.open(config.capture(),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        catch (final IOException | RuntimeException ex)
        {
            listener.close();
            selector.close();
            throw ex;
        }
        thread = Thread.ofPlatform().daemon().name("udp-relay-" + listenAddress.getPort()).unstarted(this::run);
    }

    /**
     * Bind and start relaying on a thread of its own.
     *
     * @param config what to relay.
     * @return the running relay; close it.
     * @throws IOException if the listen address cannot be bound or the capture file opened.
     */
    public static UdpRelay start(final Config config) throws IOException
    {
        final UdpRelay relay = new UdpRelay(config);
        relay.thread.start();
        return relay;
    }

    /**
     * @return the bound listen address (with the port chosen when 0 was asked for).
     */
    public InetSocketAddress listenAddress()
    {
        return listenAddress;
    }

    /**
     * @return the counts so far; final once {@link #close()} has returned.
     */
    public Counters counters()
    {
        return new Counters(forwardedOut.get(), droppedOut.get(), forwardedBack.get(), droppedBack.get(), unsent.get());
    }

    /**
     * @return what stopped the relay thread, or null while it runs or after a clean close.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Stop relaying and close every socket and the capture file. Idempotent.
     */
    public void close()
    {
        if (closed.getAndSet(true))
        {
            return;
        }
        running = false;
        selector.wakeup();
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        closeQuietly();
    }

    private void run()
    {
        try
        {
            while (running)
            {
                final Pending next = pending.peekFirst();
                if (next == null)
                {
                    selector.select();
                }
                else
                {
                    final long waitNanos = next.dueNanos() - System.nanoTime();
                    if (waitNanos <= 0)
                    {
                        selector.selectNow();
                    }
                    else
                    {
                        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
                    }
                }
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    if (key.isValid() && key.isReadable())
                    {
                        receive(key);
                    }
                }
                sendDue();
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            failure = ex;
        }
        finally
        {
            closeQuietly();
        }
    }

    private void receive(final SelectionKey key) throws IOException
    {
        final DatagramChannel channel = (DatagramChannel)key.channel();
        final InetSocketAddress backTo = (InetSocketAddress)key.attachment();
        for (int i = 0; i < BATCH; i++)
        {
            buffer.clear();
            final InetSocketAddress source = (InetSocketAddress)channel.receive(buffer);
            if (source == null)
            {
                return;
            }
            buffer.flip();
            if (capture != null)
            {
                capture.write(buffer.duplicate());
            }
            if (backTo == null)
            {
                if (outRandom.nextDouble() < config.loss())
                {
                    droppedOut.incrementAndGet();
                }
                else
                {
                    forward(upstream(source), config.target(), forwardedOut);
                }
            }
            else if (backRandom.nextDouble() < config.loss())
            {
                droppedBack.incrementAndGet();
            }
            else
            {
                forward(listener, backTo, forwardedBack);
            }
        }
    }

    private void forward(final DatagramChannel channel, final InetSocketAddress destination, final AtomicLong counter)
        throws IOException
    {
        final long delay = delayNanos;
        if (delay == 0 && pending.isEmpty())
        {
            send(channel, buffer, destination, counter);
        }
        else
        {
            final byte[] payload = new byte[buffer.remaining()];
            buffer.get(payload);
            final long due = System.nanoTime() + delay;
            pending.addLast(new Pending(due, channel, destination, payload));
        }
    }

    private void sendDue() throws IOException
    {
        final long now = System.nanoTime();
        Pending next;
        while ((next = pending.peekFirst()) != null && next.dueNanos() - now <= 0)
        {
            pending.removeFirst();
            final AtomicLong counter = next.channel() == listener ? forwardedBack : forwardedOut;
            send(next.channel(), ByteBuffer.wrap(next.payload()), next.destination(), counter);
        }
    }

    private void send(
        final DatagramChannel channel, final ByteBuffer payload, final InetSocketAddress destination,
        final AtomicLong counter) throws IOException
    {
        if (channel.send(payload, destination) == 0 && payload.hasRemaining())
        {
            unsent.incrementAndGet();
        }
        else
        {
            counter.incrementAndGet();
        }
    }

    private DatagramChannel upstream(final InetSocketAddress source) throws IOException
    {
        DatagramChannel channel = upstreams.get(source);
        if (channel == null)
        {
            channel = DatagramChannel.open(family(config.target().getAddress()));
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
            channel.bind(null);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, source);
            upstreams.put(source, channel);
        }
        return channel;
    }

    private synchronized void closeQuietly()
    {
        for (final DatagramChannel channel : upstreams.values())
        {
            closeQuietly(channel);
        }
        closeQuietly(listener);
        closeQuietly(selector);
        if (capture != null)
        {
            closeQuietly(capture);
        }
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ignore)
        {
            // closing on the way out: nothing left to do about it
        }
    }

    private static StandardProtocolFamily family(final InetAddress address)
    {
        return address instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    /**
     * Change the delay added to each direction from now on (datagrams already waiting keep theirs, and none
     * overtakes another).
     *
     * @param micros the new delay, 0 for none.
     */
    public void delay(final long micros)
    {
        if (micros < 0)
        {
            throw new IllegalArgumentException("delay must be >= 0: " + micros);
        }
        delayNanos = TimeUnit.MICROSECONDS.toNanos(micros);
    }

    /**
     * Run as a process until killed; see the class comment for the arguments. A line {@code delay-us N} on standard
     * input changes the delay ({@link #delay}) and is answered {@code relay delay-us=N}.
     *
     * @param args the arguments.
     * @throws Exception if the arguments are wrong or the relay cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final Config config = UdpRelayArgs.parse(args);
        System.out.println("relay seed=" + config.seed());
        final UdpRelay relay = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            relay.close();
            System.out.println("relay counters " + relay.counters());
            System.out.flush();
        }));
        System.out.println("relay ready listen=" + UdpRelayArgs.text(relay.listenAddress()) + " target=" +
            UdpRelayArgs.text(config.target()) + " loss=" + config.loss() + " delay-us=" + config.delayMicros());
        System.out.flush();
        Thread.ofPlatform().daemon(true).name("relay-control").start(() ->
        {
            try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                java.nio.charset.StandardCharsets.US_ASCII)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    if (line.startsWith("delay-us "))
                    {
                        relay.delay(Long.parseLong(line.substring("delay-us ".length()).strip()));
                        System.out.println("relay delay-us=" + line.substring("delay-us ".length()).strip());
                        System.out.flush();
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                System.out.println("relay control: " + ex);
                System.out.flush();
            }
        });
        relay.thread.join();
        if (relay.failure() != null)
        {
            System.out.println("relay failed: " + relay.failure());
            System.out.flush();
            System.exit(1);
        }
    }
}
