package dev.cell.cli;

import dev.cell.git.Mirrors;
import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.supervise.Mitosis;
import dev.cell.tissue.supervise.Signals;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code cell mitosis <dir>}: validate the folder's {@code cell.toml} (see {@link TissueConfig} for the format),
 * build its cells with Maven, start every replica, wait until each is registered and print them. Attached (the
 * default) it forwards the instances' output and stops them on Ctrl-C or SIGTERM (a second
 * Ctrl-C kills them at once); with {@code --detach} it returns
 * once they are ready.
 *
 * @since 0.1
 */
@Command(
    name = "mitosis",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Build and start the cells of a tissue (a folder whose cell.toml lists [cells]) or of one cell (a folder " +
            "whose cell.toml has [cell]).",
        "",
        "Tissue cell.toml:   [cells]",
        "                    exchange = { path = \"exchange\", replicas = 1 }",
        "Cell cell.toml:     [cell]",
        "                    name = \"exchange\"",
        "                    latency = \"eco\"    # or \"spin\" (busy-spins one core)",
        "",
        "Attached (default): instances' output is shown prefixed by instance id; Ctrl-C stops them all.",
        "Detached: output goes to <cellDir>/.cell/log/<cell>.out; stop with `cell stop <dir|name>`."
    })
final class MitosisCommand implements java.util.concurrent.Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<dir>", defaultValue = ".",
        description = "Tissue or cell folder with a cell.toml (default: the current folder).")
    private Path dir;

    @Option(names = {"-d", "--detach"}, description = "Return once all instances are ready; they keep running.")
    private boolean detach;

    @Option(names = "--json", description = "Attached: print the instances' log lines as the JSON objects they " +
        "write to .cell/log/, not as readable lines.")
    private boolean json;

    @Option(names = "--no-build", description = "Do not run Maven; the cells must already be built.")
    private boolean noBuild;

    @Option(names = {"-o", "--offline"}, description = "Run Maven offline (-o).")
    private boolean offline;

    @Option(names = "--ready-timeout", defaultValue = "60s", paramLabel = "<duration>",
        description = "How long to wait for each instance to register (default: ${DEFAULT-VALUE}).")
    private String readyTimeout;

    @Option(names = "--supervise", hidden = true,
        description = "Internal: run as the detached supervisor process of a tissue that is already built.")
    private boolean superviseChild;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Mitosis.Options options = Mitosis.Options.of(dir)
            .withBuild(!noBuild && !superviseChild)
            .withOffline(offline)
            .withAttached(!detach && !superviseChild)
            .withJson(json)
            .withReadyTimeout(Durations.parse(readyTimeout, "--ready-timeout"))
            .withCellHome(CellHome.resolve());
        StateCommand.checkPlaced(dev.cell.tissue.config.TissueTree.load(options.dir()));
        if (detach)
        {
            return DetachedSupervisor.fork(options, out);
        }
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread main = Thread.currentThread();
        Signals.onInterrupt(() ->
        {
            stop.set(true);
            main.interrupt();
        });
        final Mirrors mirrors = new Mirrors(options.cellHome(), out);
        final Mitosis.Running running;
        try
        {
            running = Mitosis.start(options, out, mirrors);
        }
        catch (final RuntimeException | Error ex)
        {
            mirrors.close();
            throw ex;
        }
        mirrors.prepare(running.tree());
        Mitosis.printTable(running, out);
        synchronized (out)
        {
            out.println(superviseChild ? "supervising " + running.tree().name() + " (pid " +
                ProcessHandle.current().pid() + ")" : "attached: Ctrl-C stops all instances; `cell status " +
                running.tree().root().dir() + "` shows them");
            out.flush();
        }
        try
        {
            return supervise(running, stop, out);
        }
        finally
        {
            mirrors.close();
        }
    }

    private static int supervise(final Mitosis.Running running, final AtomicBoolean stop, final PrintWriter out)
    {
        while (!stop.get() && !running.stopAsked().isDone() && !running.supervisor().allDone())
        {
            LockSupport.parkNanos(200_000_000L);
            Thread.interrupted();
        }
        final boolean failed = running.supervisor().anyFailed();
        Mitosis.progress(out, running.tree().name(), "stopping (reverse dependency order)…");
        running.close();
        Mitosis.progress(out, running.tree().name(), "stopped");
        return failed && !stop.get() && !running.stopAsked().isDone() ? CellCommand.EXIT_USER_ERROR :
            CellCommand.EXIT_OK;
    }
}
