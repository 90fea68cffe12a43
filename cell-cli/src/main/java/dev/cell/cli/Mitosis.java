package dev.cell.cli;

import dev.cell.cli.InstanceLauncher.Launched;
import dev.cell.cli.Instances.Instance;
import dev.cell.cli.TissueConfig.CellSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

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
     */
    public record Options(Path dir, boolean build, boolean offline, boolean attached, Duration readyTimeout,
        Path cellHome)
    {
        /**
         * @param dir the tissue or cell folder.
         * @return options that build, run Maven online, attach, wait 60 s, and use
         * {@link dev.cell.runtime.client.CellHome#resolve()}.
         */
        public static Options of(final Path dir)
        {
            return new Options(dir, true, false, true, Duration.ofSeconds(60),
                dev.cell.runtime.client.CellHome.resolve());
        }

        /**
         * @param value whether to build.
         * @return a copy with it.
         */
        public Options withBuild(final boolean value)
        {
            return new Options(dir, value, offline, attached, readyTimeout, cellHome);
        }

        /**
         * @param value whether Maven runs offline.
         * @return a copy with it.
         */
        public Options withOffline(final boolean value)
        {
            return new Options(dir, build, value, attached, readyTimeout, cellHome);
        }

        /**
         * @param value whether to forward the instances' output.
         * @return a copy with it.
         */
        public Options withAttached(final boolean value)
        {
            return new Options(dir, build, offline, value, readyTimeout, cellHome);
        }

        /**
         * @param value how long to wait for each instance.
         * @return a copy with it.
         */
        public Options withReadyTimeout(final Duration value)
        {
            return new Options(dir, build, offline, attached, value, cellHome);
        }

        /**
         * @param value the cell home.
         * @return a copy with it.
         */
        public Options withCellHome(final Path value)
        {
            return new Options(dir, build, offline, attached, readyTimeout, value);
        }
    }

    /**
     * A started tissue; closing it stops its instances (SIGTERM, then SIGKILL after 10 s).
     *
     * @param config    the tissue's configuration.
     * @param launcher  what started the instances.
     * @param instances the live instances, in start order.
     */
    public record Running(TissueConfig config, InstanceLauncher launcher, List<Instance> instances)
        implements AutoCloseable
    {
        /**
         * Stop every instance.
         */
        @Override
        public void close()
        {
            launcher.stopAll();
        }
    }

    /**
     * Validate, build and start a tissue; on any failure the instances already started are stopped.
     *
     * @param options how.
     * @param out     where progress lines (and, attached, the instances' output) go.
     * @return the running tissue.
     * @throws UserError when the configuration is invalid, a cell is already running, the build fails or an
     *                   instance does not become ready.
     */
    public static Running start(final Options options, final PrintWriter out)
    {
        final TissueConfig config = TissueConfig.load(options.dir());
        final Instances instances = new Instances(options.cellHome());
        for (final CellSpec cell : config.cells())
        {
            final List<Instance> running = instances.live(cell.name());
            if (!running.isEmpty())
            {
                throw new UserError("cell '" + cell.name() + "' is already running on this host (" +
                    running.stream().map(i -> i.instanceId() + " pid " + i.pid()).collect(Collectors.joining(", ")) +
                    "); stop it with `cell stop " + cell.name() + "` first");
            }
        }
        if (options.build())
        {
            final MavenBuild build = new MavenBuild(out, options.offline());
            for (final MavenBuild.Unit unit : MavenBuild.plan(config))
            {
                build.build(unit);
            }
        }
        for (final CellSpec cell : config.cells())
        {
            MavenBuild.classpath(cell);
        }
        final InstanceLauncher launcher = new InstanceLauncher(options.cellHome(), options.attached(), out);
        final List<Instance> ready = new ArrayList<>();
        try
        {
            final List<Launched> started = new ArrayList<>();
            for (final CellSpec cell : config.cells())
            {
                instances.recordCell(cell.name(), cell.dir());
                for (int r = 0; r < cell.replicas(); r++)
                {
                    final Launched l = launcher.start(cell);
                    progress(out, cell.name(), "starting… (" + l.label() + ", latency " + cell.latencyName() + ")");
                    started.add(l);
                }
            }
            for (final Launched l : started)
            {
                try
                {
                    ready.add(launcher.awaitReady(l, instances, options.readyTimeout()));
                }
                catch (final UserError ex)
                {
                    progress(out, l.cell().name(), "failed (" + l.label() + ")");
                    throw ex;
                }
                progress(out, l.cell().name(), "ready (" + l.label() + ")");
            }
        }
        catch (final RuntimeException | Error ex)
        {
            launcher.stopAll();
            throw ex;
        }
        return new Running(config, launcher, List.copyOf(ready));
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

    static void progress(final PrintWriter out, final String cell, final String status)
    {
        synchronized (out)
        {
            out.printf("%-16s %s%n", cell, status);
            out.flush();
        }
    }
}
