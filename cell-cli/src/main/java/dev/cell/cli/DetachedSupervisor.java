package dev.cell.cli;

import dev.cell.ring.PrivateFiles;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.GpuPlan;
import dev.cell.tissue.launch.JvmCommand;
import dev.cell.tissue.supervise.Mitosis;
import dev.cell.tissue.supervise.SupervisorLock;
import dev.cell.tissue.supervise.Supervisors;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code cell mitosis --detach}: build in the foreground, then fork a supervisor process (the same command with
 * {@code --supervise}, in its own session) that starts and supervises the tissue with its output in
 * {@code <tissue>/.cell/log/supervisor.out}; return once it reports the tissue up, or fail with its output's tail.
 *
 * @since 0.1
 */
final class DetachedSupervisor
{
    private DetachedSupervisor()
    {
    }

    static int fork(final Mitosis.Options options, final PrintWriter out)
    {
        final TissueTree tree = TissueTree.load(options.dir());
        // Refuse at once when the tissue has a supervisor; the supervisor process forked below takes the lock for
        // its lifetime (a start racing this one then fails there, with the same message in its output).
        SupervisorLock.checkFree(options.cellHome(), tree);
        GpuPlan.forTissue(tree.cells(), System.getenv()); // the forked supervisor plans again; refuse here first
        if (options.build())
        {
            Mitosis.build(tree, options, out);
        }
        final Path root = tree.root().dir();
        final Path log = root.resolve(".cell").resolve("log").resolve("supervisor.out");
        final List<String> cmd = JvmCommand.java().ownSession().property("cell.home", options.cellHome())
            .ownClassPath()
            .main(CellCommand.class.getName(), "mitosis", root.toString(), "--supervise", "--ready-timeout",
                options.readyTimeout().toMillis() + "ms")
            .toList();
        final Process process;
        try
        {
            Files.deleteIfExists(log);
            PrivateFiles.ensureFile(log);
            final ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("CELL_HOME", options.cellHome().toString());
            pb.environment().remove("CELL_LOG_STDOUT");
            process = pb.start();
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot start the supervisor process for " + root + ": " + ex.getMessage(), ex);
        }
        final long deadline = System.nanoTime() + options.readyTimeout().toNanos() * 2 + 30_000_000_000L;
        while (true)
        {
            for (final Supervisors.Entry e : Supervisors.live(options.cellHome()))
            {
                if (e.pid() == process.pid())
                {
                    out.print(MavenBuild.tail(log));
                    out.println();
                    out.println("detached: supervisor pid " + process.pid() + " (log " + log + "); `cell status " +
                        root + "` shows the tissue, `cell stop " + root + "` stops it");
                    out.flush();
                    return CellCommand.EXIT_OK;
                }
            }
            if (!process.isAlive())
            {
                throw new UserError("the tissue did not start (supervisor exited with code " + process.exitValue() +
                    "):\n" + MavenBuild.tail(log));
            }
            if (System.nanoTime() - deadline > 0)
            {
                process.destroy();
                throw new UserError("the tissue did not come up in time; its supervisor's output:\n" +
                    MavenBuild.tail(log));
            }
            LockSupport.parkNanos(50_000_000L);
        }
    }
}
