package dev.cell.cli;

import dev.cell.git.Ribosome;
import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.supervise.Mitosis;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code cell spawn <url>@<tag>}: clone a cell's repository at a tag, check its signed {@code Cell.json} against
 * the owner key pinned here, build it in the sandbox, refuse it unless the jar's hash is the signed one, and start
 * it detached under a supervisor, as {@code cell mitosis --detach} does ({@link Ribosome}).
 *
 * @since 0.3
 */
@Command(
    name = "spawn",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Clone <url> at <tag> into $CELL_HOME/spawn/, verify the owner's signed Cell.json against the key you " +
            "pin, build it offline in a sandbox (no network, writes only in its folder, own cgroup), refuse it " +
            "unless its artifact sha256 is the signed one, then start it detached.",
        "The owner key: --key, else owner = \"ed25519:...\" in the [deps] entry of ./cell.toml whose git is " +
            "<url>, else the key pinned by an earlier --trust-on-first-use."
    })
final class SpawnCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<url>@<tag>",
        description = "The repository and tag, e.g. http://127.0.0.1:7780/acme/quotes@v1.0.0")
    private String source;

    @Option(names = "--key", paramLabel = "<ed25519:...>", description = "The owner's identity (their cell id).")
    private String key;

    @Option(names = "--trust-on-first-use", description = "With no key pinned, accept the manifest's signer and " +
        "pin it for the next spawns of this repository.")
    private boolean trustOnFirstUse;

    @Option(names = {"-o", "--offline"}, description = "Do not resolve dependencies with the network first: the " +
        "local Maven repository already holds everything the build needs.")
    private boolean offline;

    @Option(names = "--unconfined-build", description = "Where user namespaces are not available, build with " +
        "only the cgroup (the build could then use the network and write outside its folder).")
    private boolean unconfined;

    @Option(names = "--no-start", description = "Verify and store the artifact, start nothing.")
    private boolean noStart;

    @Option(names = "--ready-timeout", defaultValue = "60s", paramLabel = "<duration>",
        description = "How long to wait for each instance to register (default: ${DEFAULT-VALUE}).")
    private String readyTimeout;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Path cellHome = CellHome.resolve();
        Ribosome.Request request = Ribosome.Request.of(source).withTrustOnFirstUse(trustOnFirstUse)
            .withResolve(!offline).withAllowUnconfined(unconfined);
        request = request.withOwnerKey(key != null ? key : ownerFromDeps(request.url()));
        final Ribosome.Spawned spawned = Ribosome.spawn(cellHome, request, out);
        out.println("verified " + spawned.cell().name() + " " + request.tag() + " (commit " + spawned.commit() +
            "): artifact sha256 " + spawned.sha256() + " is the one in the Cell.json signed by " + spawned.owner());
        out.println("build sandbox:");
        for (final String note : spawned.sandbox())
        {
            out.println("  " + note);
        }
        out.flush();
        if (noStart)
        {
            out.println("not started (--no-start); start it with: cell mitosis --no-build --detach " +
                spawned.dir());
            out.flush();
            return CellCommand.EXIT_OK;
        }
        final Mitosis.Options options = Mitosis.Options.of(spawned.dir()).withBuild(false).withAttached(false)
            .withReadyTimeout(Durations.parse(readyTimeout, "--ready-timeout")).withCellHome(cellHome);
        return DetachedSupervisor.fork(options, out);
    }

    private static String ownerFromDeps(final String url)
    {
        final Path here = Path.of("").toAbsolutePath();
        if (!Files.isRegularFile(here.resolve(CellDeps.FILE)))
        {
            return null;
        }
        for (final CellDeps.Dep dep : CellDeps.read(here).deps().values())
        {
            if (url.equals(dep.git()) && dep.owner() != null)
            {
                return dep.owner();
            }
        }
        return null;
    }
}
