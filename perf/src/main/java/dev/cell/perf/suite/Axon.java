package dev.cell.perf.suite;

import dev.cell.perf.EchoClient;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientContext;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The axon rows: a Cell call over Aeron UDP on loopback to an {@code echo} instance in its own process (CellMain
 * {@code --axon 127.0.0.1:0}, {@code eco}), from a caller that does not share the instance's cell home and reaches
 * it by its endpoint only, as a caller on another host would. Each process embeds its own axon media driver
 * (see {@link AeronIpc#UDP_DRIVER_PROFILE}); the encrypted row pins the instance's key and runs the Noise XX handshake, the
 * plaintext row ({@code --axon-plaintext} on the instance, {@value ClientContext#AXON_PLAINTEXT_PROPERTY} on the
 * caller while it connects) carries the same frames unsealed.
 */
final class Axon
{
    /** How both sides and their drivers wait; nothing busy-spins. */
    static final String PROFILE = "instance eco, client eco, " + AeronIpc.UDP_DRIVER_PROFILE;

    private static final Object PLAINTEXT_LOCK = new Object();

    private Axon()
    {
    }

    /**
     * @param plaintext the plaintext row ({@code axon-plain}) rather than the encrypted one ({@code axon}).
     * @return the row.
     */
    static Contender contender(final boolean plaintext)
    {
        final String id = plaintext ? "axon-plain" : "axon";
        final String name = plaintext ? "Cell axon call, UDP loopback, plaintext" :
            "Cell axon call, UDP loopback, encrypted";
        return new Contender(id, name, PROFILE, 0, work -> open(work, id, plaintext, false));
    }

    /**
     * @param plaintext the plaintext row rather than the encrypted one.
     * @return the row whose instance runs in another network namespace ({@link Netns}), reached over a veth pair.
     */
    static Contender betweenNamespaces(final boolean plaintext)
    {
        final String id = plaintext ? "axon-plain-netns" : "axon-netns";
        final String name = "Cell axon call, UDP between two network namespaces, " + (plaintext ? "plaintext" :
            "encrypted");
        return new Contender(id, name, PROFILE, 0, work -> open(work, id, plaintext, true));
    }

    private static Contender.Session open(final Path work, final String id, final boolean plaintext,
        final boolean netns) throws Exception
    {
        final Path cellDir = Files.createDirectories(work.resolve("echo-" + id));
        final Path home = work.resolve("home-" + id);
        final List<String> command = new ArrayList<>(List.of("dev.cell.runtime.service.CellMain",
            "--cell-dir", cellDir.toString(), "--cell", "echo", "--latency", "eco", "--axon",
            (netns ? Netns.get().nsIp : "127.0.0.1") + ":0"));
        if (plaintext)
        {
            command.add("--axon-plaintext");
        }
        final Process process = Children.start(netns ? Netns.get().prefix() : List.of(), work, command,
            Map.of("CELL_HOME", home.toString()), Map.of(), true);
        try
        {
            final InstanceRecord record = awaitAxon(process, home, Contender.START_TIMEOUT);
            final String key = plaintext ? null :
                Identity.loadOrCreate(AxonOptions.identityFileOf(record.cellDir())).publicId();
            final ClientOptions options = ClientOptions.defaults()
                .withCellHome(work.resolve("caller-home-" + id))
                .withIdleProfile(IdleProfile.ECO)
                .withConnectTimeout(Contender.START_TIMEOUT)
                .withClientName("comparison-suite")
                .withEndpoint(Endpoint.parse(record.axon(), key));
            final EchoClient echo = plaintext ? connectPlaintext(options) : EchoClient.connect(options);
            return Contender.session(process, Contender.echoProbe(echo, id), echo::close, true);
        }
        catch (final Exception ex)
        {
            process.destroy();
            Children.stop(process);
            throw ex;
        }
    }

    /**
     * The client reads {@value ClientContext#AXON_PLAINTEXT_PROPERTY} once, when a connection opens: set it for this
     * connection only, so that the encrypted row of the same run stays encrypted.
     */
    private static EchoClient connectPlaintext(final ClientOptions options)
    {
        synchronized (PLAINTEXT_LOCK)
        {
            final String before = System.getProperty(ClientContext.AXON_PLAINTEXT_PROPERTY);
            System.setProperty(ClientContext.AXON_PLAINTEXT_PROPERTY, "true");
            try
            {
                return EchoClient.connect(options);
            }
            finally
            {
                if (before == null)
                {
                    System.clearProperty(ClientContext.AXON_PLAINTEXT_PROPERTY);
                }
                else
                {
                    System.setProperty(ClientContext.AXON_PLAINTEXT_PROPERTY, before);
                }
            }
        }
    }

    /**
     * @return the instance's registration once it names its axon endpoint (the port it bound).
     */
    private static InstanceRecord awaitAxon(final Process process, final Path home, final Duration timeout)
        throws IOException, TimeoutException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            for (final InstanceRecord r : InstanceRegistry.live(home, "echo"))
            {
                if (r.axon() != null && r.pid() == process.pid())
                {
                    return r;
                }
            }
            if (!process.isAlive())
            {
                throw new IOException("the echo instance exited (status " + process.exitValue() + ") before it " +
                    "registered its axon (see its output above)");
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new TimeoutException("the echo instance registered no axon endpoint within " + timeout);
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }
}
