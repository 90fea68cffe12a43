package dev.cell.tissue.launch;

import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.JvmFlags;
import dev.cell.runtime.client.RaceOptions;
import dev.cell.runtime.service.CellMain;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.launch.Instances.Instance;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Starts cell instances as child JVMs and waits until they are registered.
 * <p>
 * Each instance runs {@code java} from this JVM's {@code java.home} with {@link JvmFlags#FLAGS}, the cell's
 * {@code target/classes} and its dependencies as class path, and
 * {@code dev.cell.runtime.service.CellMain --cell-dir <dir> --cell <name> --latency <eco|spin>}; {@code CELL_HOME}
 * is passed through, and so are this process's pid and start time ({@code -Dcell.supervisor.pid},
 * {@code -Dcell.supervisor.start}). What {@code cell.toml} says follows as arguments: {@code --state-replicas N}
 * for {@code [state]}, {@code --axon <host:port>} for {@code [axon] listen}, {@code --axon-plaintext},
 * {@code --allowed-keys id1,id2} for {@code [auth] allowed_keys} (files read), {@code --trace}, {@code --trace-sample}
 * and {@code --otlp} for {@code [observe]} (what it and the folders above set), and for each {@code [deps]} entry with
 * an endpoint {@code -Dcell.endpoint.<dep>=<host:port>} (with {@code key}, {@code -Dcell.endpoint.<dep>.key=<id>}).
 * An instance stops when the process that started it (its supervisor) is gone, however it died. Instances run in
 * their own session ({@code setsid}) so a Ctrl-C reaches only this command, which stops them in order. Attached,
 * their output is forwarded line by line, readable ({@link ConsoleLines}) or as JSON prefixed with the instance id
 * ({@code CELL_LOG_STDOUT=1}); detached, it is appended to {@code <cellDir>/.cell/log/<cell>.out}.
 *
 * @since 0.1
 */
public final class InstanceLauncher
{
    /**
     * The instance main class.
     */
    public static final String MAIN_CLASS = "dev.cell.runtime.service.CellMain";

    /**
     * System property prefix of a dependency's run-time address: {@code cell.endpoint.<dep>=<host:port>} and, with an
     * expected identity, {@code cell.endpoint.<dep>.key=<public id>}.
     */
    public static final String ENDPOINT_PROPERTY_PREFIX = "cell.endpoint.";

    private final Path cellHome;
    private final boolean attached;
    private final PrintWriter out;
    private final ConsoleLines console;
    private final List<Launched> launched = new ArrayList<>();

    /**
     * A started instance.
     *
     * @param cell    the cell.
     * @param process the child JVM.
     * @param outFile where its output goes when detached, else null.
     */
    public record Launched(CellSpec cell, Process process, Path outFile)
    {
        /**
         * @return the instance id the runtime gives it by default: {@code <cell>-<pid>}.
         */
        public String label()
        {
            return cell.name() + "-" + process.pid();
        }
    }

    /**
     * @param cellHome where instances register; passed to them as {@code CELL_HOME}.
     * @param attached true to forward their output to {@code out}, false to append it to a file.
     * @param out      where forwarded output and messages go.
     */
    public InstanceLauncher(final Path cellHome, final boolean attached, final PrintWriter out)
    {
        this(cellHome, attached, out, null);
    }

    /**
     * @param cellHome where instances register; passed to them as {@code CELL_HOME}.
     * @param attached true to forward their output to {@code out}, false to append it to a file.
     * @param out      where forwarded output and messages go.
     * @param console  how forwarded lines are shown; null for the raw JSON lines, prefixed with the instance.
     */
    public InstanceLauncher(final Path cellHome, final boolean attached, final PrintWriter out,
        final ConsoleLines console)
    {
        this.cellHome = cellHome;
        this.attached = attached;
        this.out = out;
        this.console = console;
    }

    /**
     * @param cell a built cell.
     * @return the command line that starts one instance of it.
     */
    public static List<String> command(final CellSpec cell)
    {
        return command(cell, List.of());
    }

    /**
     * @param cell  a built cell.
     * @param extra JVM options added after the standard flags (limits, idle timeout, class data sharing).
     * @return the command line that starts one instance of it, supervised by this process.
     */
    public static List<String> command(final CellSpec cell, final List<String> extra)
    {
        final JvmCommand jvm = JvmCommand.java().options(extra)
            .property(CellMain.SUPERVISOR_PID_PROPERTY, Liveness.currentPid())
            .property(CellMain.SUPERVISOR_START_PROPERTY, Liveness.currentStartEpochMs())
            .classPath(MavenBuild.classpath(cell))
            .main(MAIN_CLASS, "--cell-dir", cell.dir().toString(), "--cell", cell.name(), "--latency",
                cell.latencyName());
        if (cell.declaresState())
        {
            jvm.args(List.of("--state-replicas", Integer.toString(cell.stateReplicas())));
        }
        if (cell.axonListen() != null)
        {
            jvm.args(List.of("--axon", cell.axonListen()));
            if (cell.axon().advertise() != null)
            {
                jvm.args(List.of("--axon-advertise", cell.axon().advertise()));
            }
        }
        if (cell.axonPlaintext())
        {
            jvm.args(List.of("--axon-plaintext"));
        }
        if (!cell.allowedKeys().isEmpty())
        {
            jvm.args(List.of("--allowed-keys", String.join(",", cell.allowedKeys())));
        }
        jvm.args(cell.observe().instanceArgs());
        for (final CellDeps.Dep dep : cell.remoteDeps())
        {
            if (dep.endpoint() != null)
            {
                jvm.property(ENDPOINT_PROPERTY_PREFIX + dep.name(), dep.endpoint());
            }
            if (dep.key() != null)
            {
                jvm.property(ENDPOINT_PROPERTY_PREFIX + dep.name() + ".key", dep.key());
            }
            if (dep.race())
            {
                jvm.property(RaceOptions.PROPERTY_PREFIX + dep.name(), "true");
                if (dep.hedge() != null)
                {
                    jvm.property(RaceOptions.PROPERTY_PREFIX + dep.name() + ".hedge", dep.hedge());
                }
                if (dep.policy() != null && dep.policy().autoSpawn() && dep.policy().maxLatencyMs() > 0)
                {
                    jvm.property(RaceOptions.PROPERTY_PREFIX + dep.name() + ".spawn", dep.policy().maxLatencyMs() +
                        "," + dep.policy().spawnAfter());
                }
            }
        }
        return jvm.toList();
    }

    /**
     * Start one instance.
     *
     * @param cell a built cell.
     * @return the started instance.
     * @throws UserError when the JVM cannot be started.
     */
    public Launched start(final CellSpec cell)
    {
        return start(cell, command(cell));
    }

    /**
     * Start one instance with a prepared command line (see {@link #command(CellSpec, List)}).
     *
     * @param cell        a built cell.
     * @param instanceCmd the command.
     * @return the started instance.
     * @throws UserError when it cannot be started.
     */
    public Launched start(final CellSpec cell, final List<String> instanceCmd)
    {
        return start(cell, instanceCmd, java.util.Map.of());
    }

    /**
     * Start one instance with a prepared command line and more environment (its GPUs, {@link GpuPlan}).
     *
     * @param cell        a built cell.
     * @param instanceCmd the command.
     * @param env         variables added to (or, empty, set empty in) its environment.
     * @return the started instance.
     * @throws UserError when it cannot be started.
     */
    public Launched start(final CellSpec cell, final List<String> instanceCmd, final java.util.Map<String, String> env)
    {
        final List<String> command = new ArrayList<>();
        if (JvmCommand.setsid() != null)
        {
            command.add(JvmCommand.setsid().toString());
        }
        command.addAll(instanceCmd);
        final ProcessBuilder pb = new ProcessBuilder(command)
            .directory(cell.dir().toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("CELL_HOME", cellHome.toString());
        pb.environment().putAll(env);
        Path outFile = null;
        try
        {
            if (attached)
            {
                pb.environment().put("CELL_LOG_STDOUT", "1");
            }
            else
            {
                pb.environment().remove("CELL_LOG_STDOUT");
                outFile = Instances.logDir(cell.dir()).resolve(cell.name() + ".out");
                PrivateFiles.ensureFile(outFile);
                pb.redirectOutput(ProcessBuilder.Redirect.appendTo(outFile.toFile()));
            }
            final Process process = pb.start();
            final Launched l = new Launched(cell, process, outFile);
            synchronized (launched)
            {
                launched.add(l);
            }
            if (attached)
            {
                Thread.ofVirtual().name("out-" + l.label()).start(() -> forward(l));
            }
            return l;
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot start an instance of cell '" + cell.name() + "': " + ex.getMessage(), ex);
        }
    }

    /**
     * Wait until an instance is registered as live, it exits, or the timeout passes.
     *
     * @param l         the instance.
     * @param instances the registry view.
     * @param timeout   how long to wait.
     * @return the live instance.
     * @throws UserError when it exited or did not register in time (with its output's tail when detached).
     */
    public Instance awaitReady(final Launched l, final Instances instances, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        // A start is ~0.3 s of JVM and runtime: polling the run files every 20 ms at most notices it within a
        // twentieth of that (a spawned mirror's first reply waits on it) for a few directory reads a start.
        long pause = 2_000_000L;
        while (true)
        {
            for (final Instance i : instances.live(l.cell().name()))
            {
                if (i.pid() == l.process().pid())
                {
                    return i;
                }
            }
            if (!l.process().isAlive())
            {
                throw new UserError("instance " + l.label() + " of cell '" + l.cell().name() + "' exited with code " +
                    l.process().exitValue() + " before it was ready" + outputHint(l));
            }
            if (System.nanoTime() > deadline)
            {
                throw new UserError("instance " + l.label() + " of cell '" + l.cell().name() + "' did not register " +
                    "within " + Durations.human(timeout) + " (under " + cellHome.resolve("instances") + ")" +
                    outputHint(l) + "; raise --ready-timeout if it needs longer to start");
            }
            LockSupport.parkNanos(pause);
            if (Thread.interrupted())
            {
                throw new UserError("interrupted while waiting for " + l.label() + "; stopping the instances " +
                    "started so far");
            }
            pause = Math.min(pause * 2, 20_000_000L);
        }
    }

    /**
     * @return every instance started so far.
     */
    public List<Launched> launched()
    {
        synchronized (launched)
        {
            return List.copyOf(launched);
        }
    }

    /**
     * Stop every started instance that is still running: SIGTERM, wait up to {@link Instances#STOP_GRACE}, then
     * SIGKILL.
     *
     * @return the instances that had to be killed.
     */
    public List<Launched> stopAll()
    {
        final List<Launched> all = launched();
        for (final Launched l : all)
        {
            l.process().destroy();
        }
        final long deadline = System.nanoTime() + Instances.STOP_GRACE.toNanos();
        final List<Launched> killed = new ArrayList<>();
        for (final Launched l : all)
        {
            try
            {
                final long left = deadline - System.nanoTime();
                if (!l.process().waitFor(Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS))
                {
                    l.process().destroyForcibly();
                    l.process().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                    killed.add(l);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                l.process().destroyForcibly();
                killed.add(l);
            }
        }
        return killed;
    }

    private String outputHint(final Launched l)
    {
        if (l.outFile() == null)
        {
            return " (its output is above)";
        }
        return "\n--- last lines of " + l.outFile() + " ---\n" + MavenBuild.tail(l.outFile());
    }

    private void forward(final Launched l)
    {
        final String prefix = "[" + l.label() + "] ";
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(l.process().getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                synchronized (out)
                {
                    out.println(console == null ? prefix + line : console.format(l.label(), line));
                    out.flush();
                }
            }
        }
        catch (final IOException ex)
        {
            if (exitedWithin(l.process(), 1))
            {
                // The instance stopped and the JDK closed its pipe (it does so just before it marks the process
                // exited, hence the bounded wait): nothing was lost.
                return;
            }
            synchronized (out)
            {
                out.println(prefix + "(output no longer readable: " + ex.getMessage() + ")");
                out.flush();
            }
        }
    }

    private static boolean exitedWithin(final Process process, final int seconds)
    {
        try
        {
            return process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
