package dev.cell.runtime.service;

import dev.cell.ring.Liveness;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.client.ClientContext;
import dev.cell.runtime.client.LocalSpawn;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.log.JsonLinesLog;
import dev.cell.runtime.trace.TraceIds;
import dev.cell.runtime.trace.TraceOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.locks.LockSupport;

/**
 * An instance's {@code main}: finds the cell's generated {@link CellBinding} through {@link ServiceLoader}, creates
 * the cell, serves it until SIGTERM / Ctrl-C (a shutdown hook stops it gracefully).
 * <pre>
 * java -cp app.jar dev.cell.runtime.service.CellMain --cell-dir &lt;dir&gt; --cell &lt;name&gt;
 *      [--instance &lt;id&gt;] [--latency eco|spin] [--state-replicas &lt;n&gt;]
 *      [--axon &lt;host:port&gt;] [--allowed-keys &lt;id,id...&gt;] [--axon-plaintext]
 *      [--trace all|sampled|off] [--trace-sample &lt;0..1&gt;] [--otlp &lt;url&gt;]
 * </pre>
 * Each option may also be given as a system property: {@code cell.dir}, {@code cell.name}, {@code cell.instance},
 * {@code cell.latency}, {@code cell.state.replicas}, {@code cell.trace}, {@code cell.trace.sample},
 * {@code cell.otlp}; {@code cell.metrics.handlers=false} keeps no per-handler counters. {@code --trace} says which
 * requests get a span record ({@code [observe] trace}, default {@code sampled}), {@code --trace-sample} the share of
 * the traces this instance starts that are sampled ({@code [observe] sample}), {@code --otlp} a collector to export
 * spans to ({@code [observe] otlp}). An instance reads no {@code cell.toml}: its launcher (the tissue module)
 * resolves the cell's settings and hands them over here; {@code --state-replicas} is the size of the Raft group a
 * {@code [state]} table asks for (0 or absent: none). The instance id defaults to {@code <cell>-<pid>}; the cell may
 * be omitted when the class path
 * holds exactly one binding. Exit status: 0 after a clean stop, 2 for bad arguments, 1 when the instance failed,
 * {@value IdleTimeout#EXIT_STATUS} when it stopped itself after its idle timeout ({@link IdleTimeout}).
 * <p>
 * Started by a supervisor ({@code cell mitosis}), it gets {@code -Dcell.supervisor.pid=<pid>
 * -Dcell.supervisor.start=<epoch ms>} and stops (the same clean stop as SIGTERM) within about 200 ms of that
 * process's death, however it died: an instance is never left running
 * unsupervised.
 *
 * @since 0.1
 */
public final class CellMain
{
    /**
     * System property: the pid of the supervisor that started this instance. With
     * {@link #SUPERVISOR_START_PROPERTY} it names one process; when that process is gone the instance stops (see
     * {@link #watchSupervisor}).
     */
    public static final String SUPERVISOR_PID_PROPERTY = "cell.supervisor.pid";

    /**
     * System property: the supervisor's start time, epoch ms (0 or absent: the pid alone decides).
     */
    public static final String SUPERVISOR_START_PROPERTY = "cell.supervisor.start";

    /**
     * System property: the size of the cell's Raft group ({@code [state] replicas}, resolved by the launcher), 0 for
     * a cell without {@code [state]}.
     */
    public static final String STATE_REPLICAS_PROPERTY = "cell.state.replicas";

    /**
     * How often an instance checks that its supervisor still runs.
     */
    static final long SUPERVISOR_CHECK_NS = 200_000_000L;

    private CellMain()
    {
    }

    /**
     * @param args see the class comment.
     */
    public static void main(final String[] args)
    {
        // Files the libraries inside an instance create (RocksDB, Chronicle Queue, Ratis) are owner-only too.
        dev.cell.ring.OwnerOnlyUmask.apply();
        final int status = run(args);
        if (status != 0)
        {
            System.exit(status);
        }
    }

    /**
     * Parse, start, serve until the JVM is asked to stop.
     *
     * @param args see the class comment.
     * @return the exit status.
     */
    static int run(final String[] args)
    {
        String cellDir = System.getProperty("cell.dir");
        String cell = System.getProperty("cell.name");
        String instance = System.getProperty("cell.instance");
        String latency = System.getProperty("cell.latency", "eco");
        String stateReplicas = System.getProperty(STATE_REPLICAS_PROPERTY, "0");
        String axonListen = System.getProperty("cell.axon.listen");
        String axonAdvertise = System.getProperty("cell.axon.advertise");
        String allowedKeys = System.getProperty("cell.auth.allowed.keys", "");
        boolean axonPlaintext = Boolean.getBoolean("cell.axon.plaintext");
        String traceMode = System.getProperty("cell.trace", "sampled");
        String traceSample = System.getProperty(TraceIds.SAMPLE_PROPERTY);
        String otlp = System.getProperty("cell.otlp");
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h"))
            {
                System.out.println(usage());
                return 0;
            }
            if (arg.equals("--axon-plaintext"))
            {
                axonPlaintext = true;
                continue;
            }
            if (i + 1 >= args.length)
            {
                return bad("option " + arg + " needs a value");
            }
            final String value = args[++i];
            switch (arg)
            {
                case "--cell-dir" -> cellDir = value;
                case "--cell" -> cell = value;
                case "--instance" -> instance = value;
                case "--latency" -> latency = value;
                case "--state-replicas" -> stateReplicas = value;
                case "--axon" -> axonListen = value;
                case "--axon-advertise" -> axonAdvertise = value;
                case "--allowed-keys" -> allowedKeys = value;
                case "--trace" -> traceMode = value;
                case "--trace-sample" -> traceSample = value;
                case "--otlp" -> otlp = value;
                default ->
                {
                    return bad("unknown option " + arg);
                }
            }
        }
        if (cellDir == null)
        {
            return bad("--cell-dir is required");
        }
        final IdleProfile profile;
        try
        {
            profile = IdleProfile.parse(latency);
        }
        catch (final IllegalArgumentException ex)
        {
            return bad(ex.getMessage());
        }

        final CellBinding<?> binding;
        try
        {
            binding = findBinding(cell);
        }
        catch (final IllegalArgumentException ex)
        {
            return bad(ex.getMessage());
        }
        final String cellName = binding.cellName();
        final Path dir = Path.of(cellDir).toAbsolutePath().normalize();
        final String instanceId = instance != null && !instance.isBlank() ? instance :
            cellName + "-" + ProcessHandle.current().pid();
        final JsonLinesLog log;
        try
        {
            log = JsonLinesLog.forInstance(dir, cellName, instanceId);
            dev.cell.runtime.log.ProcessLog.set(log); // its clients' events (racing decisions) go to its log too
            final String supervisorPid = System.getProperty(SUPERVISOR_PID_PROPERTY);
            if (supervisorPid != null && !supervisorPid.isBlank())
            {
                // A racing client whose producer stays too far asks the supervisor for a local instance.
                LocalSpawn.requester(new SupervisorLink(CellHome.resolve(), supervisorPid, cellName)::spawn);
            }
        }
        catch (final IOException ex)
        {
            System.err.println("cell: cannot open the log under " + dir + ": " + ex.getMessage());
            return 1;
        }
        final AxonOptions axon;
        try
        {
            axon = axonListen == null || axonListen.isBlank() ? null : new AxonOptions(axonListen.trim(),
                axonPlaintext, keys(allowedKeys), null, axonAdvertise == null || axonAdvertise.isBlank() ? null :
                axonAdvertise.trim());
        }
        catch (final IllegalArgumentException ex)
        {
            return bad(ex.getMessage());
        }
        if (axonPlaintext)
        {
            System.setProperty(ClientContext.AXON_PLAINTEXT_PROPERTY, "true"); // its own calls out, too
        }
        // Calls this instance makes to remote cells prove the cell's identity, the one their allowed_keys name.
        System.setProperty(ClientContext.IDENTITY_FILE_PROPERTY, AxonOptions.identityFileOf(dir).toString());
        final TraceOptions trace;
        try
        {
            trace = TraceOptions.parse(traceMode, otlp);
            if (traceSample != null && !traceSample.isBlank())
            {
                TraceIds.sampleRate(TraceIds.parseRate(traceSample));
            }
        }
        catch (final IllegalArgumentException ex)
        {
            return bad(ex.getMessage());
        }
        final ServerOptions options = ServerOptions.defaults()
            .withCellHome(CellHome.resolve())
            .withIdleProfile(profile)
            .withInstanceId(instanceId)
            .withLog(log)
            .withAxon(axon)
            .withTrace(trace)
            .withHandlerMetrics(!"false".equals(System.getProperty(ServerOptions.HANDLER_METRICS_PROPERTY)));
        final int groupSize;
        try
        {
            groupSize = Integer.parseInt(stateReplicas);
        }
        catch (final NumberFormatException ex)
        {
            return bad("--state-replicas " + stateReplicas + " is not a number");
        }
        final StatefulHost stateful = statefulHost(binding, groupSize);
        if (stateful == null && groupSize > 0)
        {
            return bad(dir.resolve("cell.toml") + " has a [state] table (a replicated, stateful cell) but the " +
                "class path has no stateful host: add the dependency dev.cell:cell-raft to the cell's pom");
        }
        watchSupervisor(log);
        final StatefulHost.Running server;
        try
        {
            if (stateful != null)
            {
                server = stateful.start(binding, dir, groupSize, options, log);
            }
            else
            {
                final CellServer plain = CellServer.start(binding, dir, options);
                server = new StatefulHost.Running()
                {
                    @Override
                    public void awaitStop() throws InterruptedException
                    {
                        plain.awaitStop();
                    }

                    @Override
                    public boolean stoppedIdle()
                    {
                        return plain.stoppedIdle();
                    }

                    @Override
                    public void close()
                    {
                        plain.close();
                    }
                };
            }
        }
        catch (final RuntimeException ex)
        {
            log.error("instance.failed", "error", String.valueOf(ex.getMessage()));
            System.err.println("cell: " + ex.getMessage());
            log.close();
            return 1;
        }
        final Thread hook = new Thread(() ->
        {
            server.close();
            log.close();
        }, "cell-shutdown");
        try
        {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        catch (final IllegalStateException ex)
        {
            // The supervisor died while this instance started and the watch below already began the exit.
            server.close();
            log.close();
            return 0;
        }
        try
        {
            server.awaitStop();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            server.close();
        }
        return server.failed() ? 1 : server.stoppedIdle() ? IdleTimeout.EXIT_STATUS : 0;
    }

    /**
     * Stop this instance when the supervisor named by {@link #SUPERVISOR_PID_PROPERTY} is gone: a daemon thread
     * checks its pid and start time every 200 ms (it sleeps in between) and then exits
     * the JVM, which runs the shutdown hook: the same clean stop as SIGTERM.
     * <p>
     * Not {@code prctl(PR_SET_PDEATHSIG)}: that signal fires when the <em>thread</em> that forked the child exits,
     * not the process, and a supervisor starts instances from short-lived (virtual, carrier or pool) threads, so
     * it would kill healthy instances of a live supervisor; nor could the JDK set it between fork and exec, and the
     * {@code setsid} between supervisor and instance would carry it away. Polling a pid + start time pair also
     * survives pid reuse.
     */
    private static void watchSupervisor(final JsonLinesLog log)
    {
        final String pidText = System.getProperty(SUPERVISOR_PID_PROPERTY);
        if (pidText == null || pidText.isBlank())
        {
            return;
        }
        final long pid;
        final long start;
        try
        {
            pid = Long.parseLong(pidText.strip());
            start = Long.parseLong(System.getProperty(SUPERVISOR_START_PROPERTY, "0").strip());
        }
        catch (final NumberFormatException ex)
        {
            log.warn("supervisor.watch.disabled", "reason", "bad " + SUPERVISOR_PID_PROPERTY + " or " +
                SUPERVISOR_START_PROPERTY + ": " + ex.getMessage());
            return;
        }
        Thread.ofPlatform().daemon(true).name("cell-supervisor-watch").start(() ->
        {
            while (Liveness.isAlive(pid, start))
            {
                LockSupport.parkNanos(SUPERVISOR_CHECK_NS);
            }
            log.warn("instance.orphaned", "supervisorPid", pid, "action", "stopping: its supervisor is gone");
            System.exit(0);
        });
    }

    private static StatefulHost statefulHost(final CellBinding<?> binding, final int groupSize)
    {
        for (final StatefulHost host : ServiceLoader.load(StatefulHost.class))
        {
            if (host.handles(binding, groupSize))
            {
                return host;
            }
        }
        return null;
    }

    private static CellBinding<?> findBinding(final String cell)
    {
        final List<CellBinding<?>> found = new ArrayList<>();
        for (final CellBinding<?> b : ServiceLoader.load(CellBinding.class))
        {
            found.add(b);
        }
        if (found.isEmpty())
        {
            throw new IllegalArgumentException("no cell on the class path (no META-INF/services/" +
                CellBinding.class.getName() + "): build the cell with cell-compiler as annotation processor");
        }
        if (cell == null)
        {
            if (found.size() == 1)
            {
                return found.getFirst();
            }
            throw new IllegalArgumentException("several cells on the class path (" + names(found) +
                "): name one with --cell");
        }
        for (final CellBinding<?> b : found)
        {
            if (b.cellName().equals(cell) || Genome.servedName(b.cellName(), b.genome().version()).equals(cell))
            {
                return b;
            }
        }
        throw new IllegalArgumentException("no cell named '" + cell + "' on the class path; found " + names(found));
    }

    private static String names(final List<CellBinding<?>> bindings)
    {
        final List<String> names = new ArrayList<>();
        for (final CellBinding<?> b : bindings)
        {
            names.add(b.cellName());
        }
        return String.join(", ", names);
    }

    private static java.util.Set<String> keys(final String list)
    {
        final java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (final String k : list.split(","))
        {
            if (!k.isBlank())
            {
                keys.add(k.trim());
            }
        }
        return keys;
    }

    private static int bad(final String message)
    {
        System.err.println("cell: " + message);
        System.err.println(usage());
        return 2;
    }

    private static String usage()
    {
        return "usage: CellMain --cell-dir <dir> [--cell <name>] [--instance <id>] [--latency eco|spin] " +
            "[--state-replicas <n>] [--axon <host:port> [--axon-advertise <host:port>]] " +
            "[--allowed-keys <id,id...>] [--axon-plaintext] " +
            "[--trace all|sampled|off] [--trace-sample <0..1>] [--otlp <url>]";
    }
}
