package dev.cell.perf.suite;

import dev.cell.perf.EchoClient;
import dev.cell.perf.Ping;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.tools.bench.Probe;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One path the suite measures: how to start its serving peer and connect a {@link Probe} to it.
 *
 * @param id       short stable key used in the report ("floor", "ring", "junction-eco", ...).
 * @param name     what the path is, for tables and charts.
 * @param profile  how both sides wait (the idle profile that produced the figures).
 * @param spinners how many threads busy-spin while the path runs, both processes together (never more than the
 *                 {@link SpinBudget} allows).
 * @param opener   starts a fresh peer in a work folder and connects to it.
 */
record Contender(String id, String name, String profile, int spinners, Opener opener)
{
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * A connected probe and what to close when its path is done.
     */
    interface Session extends AutoCloseable
    {
        Probe probe();

        @Override
        void close() throws Exception;
    }

    @FunctionalInterface
    interface Opener
    {
        Session open(Path work) throws Exception;
    }

    /**
     * @return the raw Aeron UDP ping-pong over the path of the axon namespace rows: its peer in the namespace, the
     * pinger here, a driver per process set up as the axon's.
     */
    private static Contender udpBetweenNamespaces()
    {
        return new Contender("aeron-udp-netns", "Aeron UDP between two network namespaces, a driver per process",
            "peer " + Wait.BACKOFF.label() + ", pinger " + Wait.BACKOFF.label() + ", " + AeronIpc.UDP_DRIVER_PROFILE,
            0, work ->
            {
                final Netns ns = Netns.get();
                final String ping = "aeron:udp?endpoint=" + ns.nsIp + ":" + freeUdpPort();
                final String pong = "aeron:udp?endpoint=" + ns.hostIp + ":" + freeUdpPort();
                final Children.Started started = Children.startPeer(ns.prefix(), work, START_TIMEOUT, "aeron-udp",
                    aeronDir(work, "peer-netns"), ping, pong, Wait.BACKOFF.label());
                try
                {
                    final AeronIpc.AeronProbe probe = AeronIpc.AeronProbe.udp(Wait.BACKOFF, START_TIMEOUT, ping,
                        pong);
                    return session(started.process(), probe, probe);
                }
                catch (final Exception ex)
                {
                    Children.stop(started.process());
                    throw ex;
                }
            });
    }

    /**
     * @param budget how many threads may spin.
     * @return the paths in the order they run in every round: the floor first, gRPC last.
     */
    static List<Contender> all(final SpinBudget budget)
    {
        final Wait peer = budget.peerWait();
        final Wait pinger = budget.pingerWait();
        final String shm = budget.sharedMemoryProfile();
        final int shmSpinners = budget.spinnersInUse();
        final List<Contender> list = new ArrayList<>();
        list.add(new Contender("floor", "floor: one cache line, 2 processes", shm, shmSpinners, work ->
        {
            final Path file = work.resolve("floor.line");
            final Children.Started started = Children.startPeer(work, START_TIMEOUT, "floor", file.toString(),
                peer.label());
            return session(started.process(), new SharedMemory.FloorProbe(file, pinger), null);
        }));
        list.add(new Contender("ring", "raw Agrona ring, 2 processes", shm, shmSpinners, work ->
        {
            final Path file = work.resolve("raw.ring");
            final Children.Started started = Children.startPeer(work, START_TIMEOUT, "ring", file.toString(),
                peer.label());
            return session(started.process(), new SharedMemory.RingProbe(file, pinger), null);
        }));
        if (budget.maxSpinners() >= 1)
        {
            list.add(junction(IdleProfile.SPIN, budget.junctionSpinClientSpins() ? IdleProfile.SPIN : IdleProfile.ECO));
        }
        list.add(junction(IdleProfile.ECO, IdleProfile.ECO));
        list.add(observed(false));
        list.add(observed(true));
        list.add(new Contender("aeron-ipc", "Aeron IPC, embedded driver", shm + ", " + AeronIpc.DRIVER_PROFILE,
            shmSpinners, work ->
            {
                final String dir = aeronDir(work);
                final Children.Started started = Children.startPeer(work, START_TIMEOUT, "aeron", dir,
                    peer.label());
                final AeronIpc.AeronProbe probe = new AeronIpc.AeronProbe(dir, pinger, START_TIMEOUT);
                return session(started.process(), probe, probe);
            }));
        // Waits like the axon rows (an eco instance, an eco client, a warm driver per process), not like aeron-ipc:
        // the axon's figures are divided by this row's, so only Cell's own work may differ between them.
        list.add(new Contender("aeron-udp", "Aeron UDP over loopback, a driver per process",
            "peer " + Wait.BACKOFF.label() + ", pinger " + Wait.BACKOFF.label() + ", " + AeronIpc.UDP_DRIVER_PROFILE,
            0, work ->
            {
                final String peerDir = aeronDir(work, "peer");
                final String ping = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
                final String pong = "aeron:udp?endpoint=127.0.0.1:" + freeUdpPort();
                final Children.Started started = Children.startPeer(work, START_TIMEOUT, "aeron-udp", peerDir, ping,
                    pong, Wait.BACKOFF.label());
                try
                {
                    final AeronIpc.AeronProbe probe = AeronIpc.AeronProbe.udp(Wait.BACKOFF,
                        START_TIMEOUT, ping, pong);
                    return session(started.process(), probe, probe);
                }
                catch (final Exception ex)
                {
                    Children.stop(started.process());
                    throw ex;
                }
            }));
        list.add(Axon.contender(false));
        list.add(Axon.contender(true));
        if (Netns.unavailable() == null)
        {
            list.add(udpBetweenNamespaces());
            list.add(Axon.betweenNamespaces(false));
            list.add(Axon.betweenNamespaces(true));
        }
        else
        {
            System.out.println("rows aeron-udp-netns, axon-netns, axon-plain-netns left out: " + Netns.unavailable());
        }
        list.add(new Contender("tcp", "TCP loopback, JDK channels", "blocking (kernel wake-up)", 0, work ->
        {
            final Children.Started started = Children.startPeer(work, START_TIMEOUT, "tcp");
            final Sockets.SocketProbe probe = new Sockets.SocketProbe(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(started.detail())));
            return session(started.process(), probe, probe);
        }));
        list.add(new Contender("uds", "Unix domain socket, JDK channels", "blocking (kernel wake-up)", 0, work ->
        {
            final Path socket = work.resolve("uds.sock");
            final Children.Started started = Children.startPeer(work, START_TIMEOUT, "uds", socket.toString());
            final Sockets.SocketProbe probe = new Sockets.SocketProbe(UnixDomainSocketAddress.of(socket));
            return session(started.process(), probe, probe);
        }));
        list.add(new Contender("grpc", "gRPC-java unary, loopback", "netty event loops, blocking stub", 0, work ->
        {
            final Children.Started started = Children.startPeer(work, START_TIMEOUT, "grpc");
            final Grpc.GrpcProbe probe = new Grpc.GrpcProbe(Integer.parseInt(started.detail()));
            return session(started.process(), probe, probe);
        }));
        return list;
    }

    private static Contender junction(final IdleProfile instance, final IdleProfile client)
    {
        final String instanceName = instance.name().toLowerCase(Locale.ROOT);
        return junction("junction-" + instanceName, "Cell junction call, " + instanceName, instance, client, "",
            Map.of());
    }

    /**
     * The eco junction call with the instance's observability all off ({@code bare}: no per-handler counters, no
     * span records) or all on ({@code observed}: per-handler counters and a span record for every request).
     */
    private static Contender observed(final boolean on)
    {
        return on ?
            junction("junction-observed", "Cell junction call, eco, handler metrics + trace all", IdleProfile.ECO,
                IdleProfile.ECO, ", metrics on, trace all", Map.of(ServerOptions.HANDLER_METRICS_PROPERTY, "true",
                    "cell.trace", "all")) :
            junction("junction-bare", "Cell junction call, eco, no handler metrics, trace off", IdleProfile.ECO,
                IdleProfile.ECO, ", metrics off, trace off", Map.of(ServerOptions.HANDLER_METRICS_PROPERTY, "false",
                    "cell.trace", "off"));
    }

    private static Contender junction(final String id, final String label, final IdleProfile instance,
        final IdleProfile client, final String profileNote, final Map<String, String> properties)
    {
        final String instanceName = instance.name().toLowerCase(Locale.ROOT);
        final String clientName = client.name().toLowerCase(Locale.ROOT);
        final int spinners = (instance == IdleProfile.SPIN ? 1 : 0) + (client == IdleProfile.SPIN ? 1 : 0);
        return new Contender(id, label, "instance " + instanceName + ", client " + clientName + profileNote, spinners,
            work ->
            {
                final Path cellDir = Files.createDirectories(work.resolve("echo-" + id));
                final Path home = work.resolve("home-" + id);
                final Process process = Children.start(work, List.of("dev.cell.runtime.service.CellMain",
                    "--cell-dir", cellDir.toString(), "--cell", "echo", "--latency", instanceName),
                    Map.of("CELL_HOME", home.toString()), properties, true);
                try
                {
                    final EchoClient echo = EchoClient.connect(ClientOptions.defaults()
                        .withCellHome(home)
                        .withIdleProfile(client)
                        .withConnectTimeout(START_TIMEOUT)
                        .withClientName("comparison-suite"));
                    return session(process, echoProbe(echo, "junction"), echo::close, true);
                }
                catch (final Exception ex)
                {
                    Children.stop(process);
                    throw ex;
                }
            });
    }

    /**
     * @param echo a connected echo client.
     * @param path the path's name for the error.
     * @return a probe that echoes a {@value ComparisonSuite#MESSAGE_BYTES}-byte {@link Ping} (four longs) per call.
     */
    static Probe echoProbe(final EchoClient echo, final String path)
    {
        final Ping ping = new Ping(1, 2, 3, 4);
        return () ->
        {
            if (echo.echo(ping).value() != 4)
            {
                throw new IllegalStateException(path + ": wrong echo");
            }
        };
    }

    private static String aeronDir(final Path work)
    {
        return aeronDir(work, "");
    }

    private static String aeronDir(final Path work, final String side)
    {
        final Path shm = Path.of("/dev/shm");
        final String name = "cell-perf-aeron-" + ProcessHandle.current().pid() + "-" + work.getFileName() +
            (side.isEmpty() ? "" : "-" + side);
        return Files.isDirectory(shm) && Files.isWritable(shm) ?
            shm.resolve(name).toString() : work.resolve("aeron").toString();
    }

    static Session session(final Process process, final Probe probe, final AutoCloseable closer)
    {
        return session(process, probe, closer, false);
    }

    /**
     * @param terminate send SIGTERM at once (a cell instance stops cleanly on it and does not watch its stdin).
     */
    static Session session(
        final Process process, final Probe probe, final AutoCloseable closer, final boolean terminate)
    {
        return new Session()
        {
            @Override
            public Probe probe()
            {
                return probe;
            }

            @Override
            public void close() throws Exception
            {
                try
                {
                    if (closer != null)
                    {
                        closer.close();
                    }
                }
                finally
                {
                    if (terminate)
                    {
                        process.destroy();
                    }
                    Children.stop(process);
                }
            }
        };
    }

    private static int freeUdpPort() throws java.io.IOException
    {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }
}
