package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.build.TissueBuild;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code cell build [dir]}: build a cell or a whole tissue the way {@code cell mitosis} does before it starts them —
 * {@code mvn clean package} per Maven project (clean, so every build checks the consumers' calls again), dependencies
 * first, with the JDK the {@code cell} command runs on (so a
 * machine whose default {@code java} is older than 25 builds cells too) — and store the artifacts. Starts nothing,
 * except a dependency its {@code [deps.<name>.policy]} has spawned here because it was too far ({@link DepReach}).
 *
 * @since 0.1
 */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Build a cell or a tissue (mvn clean package with the JDK cell runs on, dependencies first); starts nothing.",
        "The producer's genome is checked by each consumer's build, as in any build of a cell."})
final class BuildCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", defaultValue = ".", paramLabel = "<dir>",
        description = "A cell or tissue folder with a cell.toml (default: the current folder).")
    private Path dir;

    @Option(names = {"-o", "--offline"}, description = "Run Maven offline (-o).")
    private boolean offline;

    @Option(names = "--incremental", description = "Skip `mvn clean`: faster, but javac (and with it the check " +
        "of each @CellRemote against its producer's genome) runs only for sources that changed.")
    private boolean incremental;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final TissueTree tree = TissueTree.load(dir);
        final long start = System.nanoTime();
        final List<DepReach.Spawned> spawned = DepReach.apply(tree, CellHome.resolve(), offline, out);
        TissueBuild.build(tree, new ArtifactStore(CellHome.resolve()), out, offline, !incremental);
        DepReach.pinOwners(tree, spawned, out);
        final TissueConfig config = tree.config();
        out.println("built " + config.cells().size() + " cell(s) of '" + tree.name() + "' in " +
            String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9) + " with Java " +
            Runtime.version().feature() + " (" + System.getProperty("java.home") + ")");
        out.flush();
        return CellCommand.EXIT_OK;
    }
}
