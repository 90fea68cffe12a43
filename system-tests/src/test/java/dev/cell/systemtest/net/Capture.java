package dev.cell.systemtest.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A packet capture with {@code tcpdump} on an interface inside a namespace of a {@link NetNamespaces} network, to
 * check what goes over the wire (for instance that traffic carries no plaintext). tcpdump writes the pcap to its
 * stdout, packet by packet, and a thread copies it to the file, so a test can wait for a marker to have been captured
 * ({@link #awaitContains(byte[], Duration)}) without polling; {@link #start} returns once tcpdump is listening.
 * <p>
 * Stopping the capture right after traffic was sent can miss packets still in the kernel's capture buffer. To know
 * that everything sent before a point was captured, send a sentinel over the same path at that point and wait for it
 * with {@link #awaitContains} before {@link #stop()}; checks that something is absent are only meaningful after that.
 */
public final class Capture implements AutoCloseable
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern LISTENING = Pattern.compile("listening on ");

    private final Path file;
    private final Process process;
    private final Child.Lines stderr;
    private final Thread copier;
    private final String description;
    private long written;
    private boolean ended;
    private IOException copyFailure;

    private Capture(final List<String> command, final Path file, final String description) throws IOException
    {
        this.file = file;
        this.description = description;
        Files.deleteIfExists(file);
        Files.createFile(file);
        process = new ProcessBuilder(command).start();
        stderr = new Child.Lines("tcpdump", process.getErrorStream());
        copier = Thread.ofPlatform().daemon().name("tcpdump-copy").start(this::copy);
        try
        {
            stderr.await(LISTENING, START_TIMEOUT, () -> String.join(" ", command) + ": " +
                String.join("\n", stderr.snapshot()));
        }
        catch (final IOException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * Whether {@code tcpdump} is installed.
     *
     * @return the answer with its reason.
     */
    public static Availability availability()
    {
        final String tcpdump = tcpdump();
        return tcpdump == null ? Availability.no("no tcpdump on PATH or in " + Child.SYSTEM_DIRS) :
            Availability.yes(tcpdump);
    }

    /**
     * Capture on an interface inside one of the network's namespaces.
     *
     * @param net       the network.
     * @param namespace the namespace (a host's, or {@link NetNamespaces#switchNamespace()}).
     * @param iface     the interface, or {@code any}.
     * @param file      the pcap file to write (replaced).
     * @return the running capture, listening; stop or close it.
     * @throws IOException if tcpdump is missing, fails, or does not start listening within 30 seconds.
     */
    public static Capture start(final NetNamespaces net, final String namespace, final String iface, final Path file)
        throws IOException
    {
        final String tcpdump = tcpdump();
        if (tcpdump == null)
        {
            throw new IOException(availability().reason());
        }
        final List<String> cmd = new ArrayList<>(List.of(
            tcpdump, "-i", iface, "-n", "-s", "0", "-U", "--immediate-mode", "-w", "-"));
        return new Capture(net.commandIn(namespace, cmd), file, namespace + "/" + iface);
    }

    /**
     * Capture a host's interface.
     *
     * @param net  the network.
     * @param host the host.
     * @param file the pcap file.
     * @return the running capture.
     * @throws IOException as {@link #start}.
     */
    public static Capture onHost(final NetNamespaces net, final NetNamespaces.Host host, final Path file)
        throws IOException
    {
        return start(net, host.namespace(), host.interfaceName(), file);
    }

    /**
     * Capture every bridge port in the switch namespace: all traffic between the hosts (each packet seen on the port
     * it enters and the one it leaves by).
     *
     * @param net  the network.
     * @param file the pcap file.
     * @return the running capture.
     * @throws IOException as {@link #start}.
     */
    public static Capture onSwitch(final NetNamespaces net, final Path file) throws IOException
    {
        return start(net, net.switchNamespace(), "any", file);
    }

    /**
     * Wait until the bytes captured so far contain {@code marker}.
     *
     * @param marker  the bytes to look for.
     * @param timeout how long to wait.
     * @return true once found, false if the timeout passed or the capture ended without it.
     * @throws IOException if the file cannot be read.
     */
    public boolean awaitContains(final byte[] marker, final Duration timeout) throws IOException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        long searchedTo = 0;
        while (true)
        {
            final long available;
            final boolean done;
            synchronized (this)
            {
                available = written;
                done = ended;
            }
            if (available > searchedTo)
            {
                if (indexOf(file, marker, Math.max(0, searchedTo - marker.length + 1), available) >= 0)
                {
                    return true;
                }
                searchedTo = available;
            }
            final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (done || remainingMs <= 0)
            {
                return false;
            }
            synchronized (this)
            {
                if (written == available && !ended)
                {
                    try
                    {
                        wait(remainingMs);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
        }
    }

    /**
     * @param marker the bytes to look for.
     * @return whether the capture so far contains them.
     * @throws IOException if the file cannot be read.
     */
    public boolean contains(final byte[] marker) throws IOException
    {
        final long available;
        synchronized (this)
        {
            available = written;
        }
        return indexOf(file, marker, 0, available) >= 0;
    }

    /**
     * Stop tcpdump (SIGTERM) and wait for the pcap to be complete.
     *
     * @return the pcap file.
     * @throws IOException if copying the capture failed.
     */
    public Path stop() throws IOException
    {
        close();
        synchronized (this)
        {
            if (copyFailure != null)
            {
                throw new IOException("capture on " + description + " failed", copyFailure);
            }
        }
        return file;
    }

    /**
     * @return the pcap file (complete after {@link #stop()}).
     */
    public Path file()
    {
        return file;
    }

    /**
     * Stop tcpdump (SIGTERM through {@link ProcessHandle}, which leaves its pipe open to be read to the end), killing
     * it if it does not exit within ten seconds. Idempotent.
     */
    public void close()
    {
        process.toHandle().destroy();
        try
        {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.toHandle().destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            copier.join(STOP_TIMEOUT);
            stderr.awaitEnd(STOP_TIMEOUT);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.toHandle().destroyForcibly();
        }
        for (final AutoCloseable stream : List.of(
            process.getOutputStream(), process.getInputStream(), process.getErrorStream()))
        {
            try
            {
                stream.close();
            }
            catch (final Exception ignore)
            {
                // the pipe is done with either way
            }
        }
    }

    /**
     * @return tcpdump's stderr so far (its listening line and packet counts).
     */
    public String log()
    {
        return String.join("\n", stderr.snapshot());
    }

    private void copy()
    {
        final byte[] chunk = new byte[65_536];
        try (InputStream in = process.getInputStream(); OutputStream out = Files.newOutputStream(file))
        {
            int n;
            while ((n = in.read(chunk)) > 0)
            {
                out.write(chunk, 0, n);
                out.flush();
                synchronized (this)
                {
                    written += n;
                    notifyAll();
                }
            }
        }
        catch (final IOException ex)
        {
            synchronized (this)
            {
                copyFailure = ex;
            }
        }
        finally
        {
            synchronized (this)
            {
                ended = true;
                notifyAll();
            }
        }
    }

    /**
     * Find {@code marker} in bytes {@code [from, to)} of a file.
     *
     * @param file   the file.
     * @param marker the bytes to look for.
     * @param from   first offset searched.
     * @param to     end of the searched range.
     * @return the offset of the first occurrence, or -1.
     * @throws IOException if the file cannot be read.
     */
    static long indexOf(final Path file, final byte[] marker, final long from, final long to) throws IOException
    {
        if (marker.length == 0)
        {
            return from;
        }
        final int length = (int)Math.min(Integer.MAX_VALUE - 8, to - from);
        if (length < marker.length)
        {
            return -1;
        }
        final byte[] bytes = new byte[length];
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r"))
        {
            raf.seek(from);
            raf.readFully(bytes);
        }
        outer:
        for (int i = 0; i <= length - marker.length; i++)
        {
            for (int j = 0; j < marker.length; j++)
            {
                if (bytes[i + j] != marker[j])
                {
                    continue outer;
                }
            }
            return from + i;
        }
        return -1;
    }

    private static String tcpdump()
    {
        return Child.which("tcpdump");
    }
}
