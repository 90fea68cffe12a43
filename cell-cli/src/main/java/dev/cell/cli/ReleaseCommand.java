package dev.cell.cli;

import dev.cell.git.PushToken;
import dev.cell.git.Release;
import dev.cell.git.SignedManifest;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.identity.Identity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code cell release <dir> <tag>}: build the tag the way consumers will ({@link Release}), sign its
 * {@code Cell.json} (with the artifact's SHA-256) with the owner's identity and store it as
 * {@code refs/cell/manifests/<tag>}; with {@code --push}, send the tag and the manifest to a cell-git host.
 *
 * @since 0.3
 */
@Command(
    name = "release",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Build a tag of a cell's repository reproducibly and sign its Cell.json (name, version, fingerprint, " +
            "commit, recipe, artifact sha256) with your identity.",
        "The manifest is stored as the git ref refs/cell/manifests/<tag>; push it with --push <url> (cell-git) " +
            "or: git push <remote> <tag> refs/cell/manifests/<tag>",
        "Consumers pin your identity (cell id) and run: cell spawn <url>@<tag> --key <your id>"
    })
final class ReleaseCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<dir>", description = "The cell's git repository (its work tree).")
    private Path dir;

    @Parameters(index = "1", paramLabel = "<tag>", description = "An existing tag to release.")
    private String tag;

    @Option(names = "--push", paramLabel = "<url>",
        description = "Push the tag and its signed manifest there (a push token of this host's identity is sent).")
    private String push;

    @Option(names = "--key-file", paramLabel = "<file>",
        description = "Sign with this identity file (created on first use) instead of this host's (cell id).")
    private Path keyFile;

    @Option(names = {"-o", "--offline"}, description = "Do not resolve dependencies with the network first: the " +
        "local Maven repository already holds everything the build needs.")
    private boolean offline;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Path cellHome = CellHome.resolve();
        final Identity signer = keyFile == null ? Identity.host(cellHome) : IdCommand.load(keyFile);
        final SignedManifest m = Release.release(dir, tag, signer, cellHome, !offline, Duration.ofMinutes(10), out);
        out.println("released " + m.field("name") + " " + m.field("version") + " at " + tag + " (commit " +
            m.field("commit") + ")");
        out.println("  artifact sha256 " + m.field("artifactSha256") + " (" + m.field("artifact") + ")");
        out.println("  signed by " + m.signer() + ", stored as " + SignedManifest.ref(tag));
        if (push != null)
        {
            final Identity pusher = Identity.host(cellHome);
            final String token = PushToken.create(pusher, System.currentTimeMillis() / 1000, Duration.ofMinutes(5));
            for (final String line : Release.push(dir, push, tag, token))
            {
                for (final String l : line.split("\n"))
                {
                    out.println("  " + (l.startsWith("refs/") ? "pushed " : "") + l.strip());
                }
            }
            out.println("consumers run: cell spawn " + push + "@" + tag + " --key " + m.signer());
        }
        else
        {
            out.println("publish it: git push <remote> " + tag + " " + SignedManifest.ref(tag) + "   (or cell " +
                "release --push <url>); consumers run: cell spawn <url>@" + tag + " --key " + m.signer());
        }
        out.flush();
        return CellCommand.EXIT_OK;
    }
}
