package dev.cell.cli;

import dev.cell.git.Mirrors;
import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cell gc}: remove built artifacts (content-addressed jars under {@code $CELL_HOME/artifacts}) of cells not
 * run for a number of days, and the releases spawned under {@code $CELL_HOME/spawn} not used for as long
 * ({@link Mirrors#gc}).
 *
 * @since 0.1
 */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Remove built cell artifacts (under $CELL_HOME/artifacts) not run for --days days, and spawned " +
        "releases (under $CELL_HOME/spawn) not used for as long.")
final class GcCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--days", defaultValue = "30", paramLabel = "<n>",
        description = "Remove artifacts not run for this many days (default: ${DEFAULT-VALUE}; 0 removes all).")
    private int days;

    @Option(names = "--dry-run", description = "Only list what would be removed.")
    private boolean dryRun;

    @Override
    public Integer call()
    {
        if (days < 0)
        {
            throw new UserError("--days " + days + " must be 0 or more");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final ArtifactStore store = new ArtifactStore(CellHome.resolve());
        final List<String> removed = store.gc(Duration.ofDays(days), dryRun);
        for (final String r : removed)
        {
            out.println((dryRun ? "would remove " : "removed ") + r);
        }
        out.println(removed.size() + " artifact(s) " + (dryRun ? "would be " : "") + "removed from " + store.dir());
        final List<String> mirrors = Mirrors.gc(CellHome.resolve(), Duration.ofDays(days), dryRun);
        for (final String r : mirrors)
        {
            out.println((dryRun ? "would remove " : "removed ") + r);
        }
        out.println(mirrors.size() + " spawned release(s) " + (dryRun ? "would be " : "") + "removed from " +
            CellHome.resolve().resolve("spawn"));
        out.flush();
        return CellCommand.EXIT_OK;
    }
}
