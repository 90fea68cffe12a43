package dev.cell.tissue.supervise;

import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.build.TissueBuild;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.ConsoleLines;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.observe.MetricsServer;
import dev.cell.tissue.observe.TissueMetrics;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code cell mitosis} does, usable in-process (end-to-end tests, embedding): validate a tissue, build it,
 * start every replica of every cell and wait until each is registered.
 * <pre>{@code
 * System.setProperty("cell.home", tmp.toString());               // or CELL_HOME
 * try (Mitosis.Running tissue = Mitosis.start(Mitosis.Options.of(dir), out))
 * {
 *     try (CellConnection c = CellConnection.connect("exchange", 0L, ClientOptions.defaults())) { ... }
 * }                                                                // stops the instances
 * }</pre>
 *
 * @since 0.1
 */
public final class Mitosis
{
    private Mitosis()
    {
    }

    /**
     * How to start a tissue.
     *
     * @param dir          the tissue or cell folder.
     * @param build        false to skip the Maven build (the cells must be built).
     * @param offline      true to run Maven offline.
     * @param attached     true to forward the instances' output, false to append it to their {@code .out} file.
     * @param readyTimeout how long to wait for each instance to register.
     * @param cellHome     where instances register (passed to them as {@code CELL_HOME}).
     * @param json         true to forward attached output as the raw JSON log lines, false for readable lines.
     */
    public record Options(Path dir, boolean build, boolean offline, boolean attached, Duration readyTimeout,
        Path cellHome, boolean json)
    {
        /**
         * @param dir the tissue or cell folder.
         * @return options that build, run Maven online, attach, wait 60 s, and use
         * {@link dev.cell.runtime.client.CellHome#resolve()}.
         */
        public static Options of(final Path dir)
        {
            return new Options(dir, true, false, true, Duration.ofSeconds(60),
                dev.cell.runtime.client.CellHome.resolve(), false);
        }

        /**
         * @param value whether to build.
         * @return a copy with it.
         */
        public Options withBuild(final boolean value)
        {
            return new Options(dir, value, offline, attached, readyTimeout, cellHome, json);
        }

        /**
         * @param value whether Maven runs offline.
         * @return a copy with it.
         */
        public Options withOffline(final boolean value)
        {
            return new Options(dir, build, value, attached, readyTimeout, cellHome, json);
        }

        /**
         * @param value whether to forward the instances' output.
         * @return a copy with it.
         */
        public Options withAttached(final boolean value)
        {
            return new Options(dir, build, offline, value, readyTimeout, cellHome, json);
        }

        /**
         * @param value how long to wait for each instance.
         * @return a copy with it.
         */
        public Options withReadyTimeout(final Duration value)
        {
            return new Options(dir, build, offline, attached, value, cellHome, json);
        }

        /**
         * @param value true to forward the instances' raw JSON log lines instead of readable ones.
         * @return a copy with it.
         */
        public Options withJson(final boolean value)
        {
            return new Options(dir, build, offline, attached, readyTimeout, cellHome, value);
        }

        /**
         * @param value the cell home.
         * @return a copy with it.
         */
        public Options withCellHome(final Path value)
        {
            return new Options(dir, build, offline, attached, readyTimeout, value, json);
        }
    }

    /**
     * A started tissue under its supervisor; closing it stops its instances in reverse dependency order (SIGTERM,
     * then SIGKILL after 10 s).
     *
     * @param tree       the tissue.
     * @param supervisor what supervises its instances.
     * @param control    the supervisor's control port.
     * @param stopAsked  completes when {@code cell stop} asked this tissue to stop.
     */
    public record Running(TissueTree tree, TissueSupervisor supervisor, ControlServer control,
        java.util.concurrent.CompletableFuture<Void> stopAsked) implements AutoCloseable
    {
        /**
         * @return the flat view of the tissue's cells.
         */
        public TissueConfig config()
        {
            return tree.config();
        }

        /**
         * @return the tissue's live instances.
         */
        public List<Instance> instances()
        {
            final Instances all = new Instances(supervisor.cellHome());
            final List<Instance> result = new ArrayList<>();
            for (final CellSpec c : tree.config().cells())
            {
                result.addAll(all.live(c.name()));
            }
            return result;
        }

        /**
         * Stop every instance.
         */
        @Override
        public void close()
        {
            supervisor.close();
            control.close();
            stopAsked.complete(null);
        }
    }

    /**
     * Build a tissue's cells (children first, independent ones in parallel), storing each jar content-addressed.
     *
     * @param tree    the tissue.
     * @param options how.
     * @param out     where progress goes.
     */
    public static void build(final TissueTree tree, final Options options, final PrintWriter out)
    {
        TissueBuild.build(tree, new ArtifactStore(options.cellHome()), out, options.offline(), false);
    }

    /**
     * Validate, build and start a tissue under a supervisor; on any failure the instances already started are
     * stopped.
     *
     * @param options how.
     * @param out     where progress lines (and, attached, the instances' output) go.
     * @return the running tissue.
     * @throws UserError when the configuration is invalid, the tissue already has a supervisor (its lock under
     *                   {@code $CELL_HOME/supervisors/} is held), a cell is already running, the build fails or
     *                   an instance does not become ready.
     */
    public static Running start(final Options options, final PrintWriter out)
    {
        return start(options, out, Spawner.NONE);
    }

    /**
     * As {@link #start(Options, PrintWriter)}, with a way to spawn the dependencies its cells find too far.
     *
     * @param options how.
     * @param out     where progress lines go.
     * @param spawner what answers its cells' spawn requests.
     * @return the running tissue.
     */
    public static Running start(final Options options, final PrintWriter out, final Spawner spawner)
    {
        final TissueTree tree = TissueTree.load(options.dir());
        final SupervisorLock lock = SupervisorLock.acquire(options.cellHome(), tree);
        final TissueSupervisor supervisor;
        try
        {
            if (options.build())
            {
                build(tree, options, out);
            }
            for (final CellSpec cell : tree.config().cells())
            {
                MavenBuild.classpath(cell);
            }
            supervisor = new TissueSupervisor(tree, options.cellHome(), options.attached(), options.readyTimeout(),
                out, options.json() ? null : ConsoleLines.forThisTerminal());
        }
        catch (final RuntimeException | Error ex)
        {
            lock.close();
            throw ex;
        }
        supervisor.lock(lock);
        supervisor.spawner(spawner);
        final java.util.concurrent.CompletableFuture<Void> stopAsked = new java.util.concurrent.CompletableFuture<>();
        final ControlServer control;
        try
        {
            control = new ControlServer(supervisor, options.cellHome(), () ->
            {
                supervisor.close();
                stopAsked.complete(null);
            });
        }
        catch (final java.io.IOException ex)
        {
            supervisor.close();
            throw new UserError("cannot open the supervisor's control port on the loopback interface: " +
                ex.getMessage(), ex);
        }
        supervisor.control(control);
        if (tree.metrics().enabled())
        {
            try
            {
                final MetricsServer metrics = new MetricsServer(tree.metrics(), new TissueMetrics(tree,
                    options.cellHome(), supervisor::status, TissueSupervisor.stateNames()));
                supervisor.metrics(metrics, metrics.address());
            }
            catch (final java.io.IOException | RuntimeException ex)
            {
                control.close();
                supervisor.close();
                throw new UserError("cannot serve the tissue's metrics on " + tree.metrics() + " (metrics in " +
                    tree.root().file() + "): " + ex.getMessage() + "; choose another host:port, port 0 for any " +
                    "free one, or \"off\"", ex);
            }
        }
        try
        {
            supervisor.start();
            control.publish();
        }
        catch (final java.io.IOException ex)
        {
            control.close();
            supervisor.close();
            throw new UserError("cannot write the supervisor's entry under " + options.cellHome() + ": " +
                ex.getMessage(), ex);
        }
        catch (final RuntimeException | Error ex)
        {
            control.close();
            supervisor.close();
            throw ex;
        }
        return new Running(tree, supervisor, control, stopAsked);
    }

    /**
     * Print the table of started instances.
     *
     * @param running the tissue.
     * @param out     where to print.
     */
    public static void printTable(final Running running, final PrintWriter out)
    {
        final Table table = new Table("CELL", "INSTANCE", "PID", "LATENCY");
        for (final Instance i : running.instances())
        {
            table.row(i.cell(), i.instanceId(), i.pid(), i.latency());
        }
        synchronized (out)
        {
            table.print(out);
        }
    }

    public static void progress(final PrintWriter out, final String cell, final String status)
    {
        synchronized (out)
        {
            out.printf("%-16s %s%n", cell, status);
            out.flush();
        }
    }
}
