package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.supervise.Supervisors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cell stop <name|dir>}: stop a cell's instances, or every instance of the cells under a folder.
 *
 * @since 0.1
 */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Stop running instances: SIGTERM, then SIGKILL after 10 s.",
        "A folder with a cell.toml stops every instance whose cell folder is under it or is one of the cells " +
            "its cell.toml lists (a tissue or one cell); anything else is a cell name."
    })
final class StopCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name|dir>", description = "A cell name, or a tissue or cell folder.")
    private String target;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Instances instances = new Instances(CellHome.resolve());
        final Path folder = configFolder(target);
        final Supervisors.Entry supervisor = folder != null ? Supervisors.forFolder(instances.cellHome(), folder) :
            Supervisors.forCell(instances.cellHome(), target);
        if (supervisor != null)
        {
            final boolean whole = folder != null;
            final String reply = supervisor.send(whole ? "stop" : "stop-cell " + target);
            if (!reply.startsWith("ok"))
            {
                throw new UserError("the supervisor of tissue '" + supervisor.tissue() + "' refused: " + reply);
            }
            out.println(reply);
            if (whole)
            {
                awaitExit(supervisor, instances.cellHome());
                out.println("stopped tissue " + supervisor.tissue() + " (supervisor pid " + supervisor.pid() + ")");
            }
            if (instances.live().stream().noneMatch(i -> whole ? Supervisors.isUnder(i.cellDir(), folder) :
                i.cell().equals(target)))
            {
                out.flush();
                return CellCommand.EXIT_OK;
            }
        }
        final List<Instance> matched;
        final String what;
        if (folder != null)
        {
            final List<Path> cellDirs = tissueCellDirs(folder);
            matched = instances.live().stream()
                .filter(i -> Supervisors.isUnder(i.cellDir(), folder) || cellDirs.stream().anyMatch(d -> Supervisors.isUnder(i.cellDir(), d)))
                .toList();
            what = "under " + folder + (cellDirs.isEmpty() ? "" : " or in the cell folders its cell.toml lists");
        }
        else
        {
            matched = instances.live(target);
            what = "of cell '" + target + "'";
        }
        if (matched.isEmpty())
        {
            throw new UserError("nothing to stop: no live instance " + what + " on this host (cell home " +
                instances.cellHome() + "); `cell ps` lists the running ones");
        }
        for (final Instances.Stopped s : Instances.stop(matched))
        {
            final Instance i = s.instance();
            out.println((s.killed() ? "killed " : "stopped ") + i.cell() + " " + i.instanceId() + " (pid " +
                i.pid() + ")" + (s.killed() ? ": it ignored SIGTERM for " +
                Durations.human(Instances.STOP_GRACE) : ""));
        }
        instances.live();
        out.flush();
        return CellCommand.EXIT_OK;
    }

    private static void awaitExit(final Supervisors.Entry supervisor, final Path cellHome)
    {
        final long deadline = System.nanoTime() + Instances.STOP_GRACE.toNanos() * 3;
        while (Supervisors.live(cellHome).stream().anyMatch(e -> e.pid() == supervisor.pid() &&
            e.tissue().equals(supervisor.tissue())))
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new UserError("the supervisor of tissue '" + supervisor.tissue() + "' (pid " +
                    supervisor.pid() + ") did not finish stopping within " + Instances.STOP_GRACE.toSeconds() * 3 +
                    " s; `cell ps` shows what is left");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    /**
     * @param folder a folder with a cell.toml.
     * @return the (real) folders of the cells it lists, empty when it cannot be read.
     */
    static List<Path> tissueCellDirs(final Path folder)
    {
        try
        {
            return TissueTree.load(folder).config().cells().stream().map(c -> Supervisors.real(c.dir())).toList();
        }
        catch (final UserError ex)
        {
            return List.of();
        }
    }

    static Path configFolder(final String target)
    {
        final Path p = Path.of(target);
        final Path dir = Files.isRegularFile(p) && p.getFileName().toString().equals(TissueConfig.FILE_NAME) ?
            p.toAbsolutePath().getParent() : p;
        if (Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(TissueConfig.FILE_NAME)))
        {
            return Supervisors.real(dir);
        }
        return null;
    }
}
