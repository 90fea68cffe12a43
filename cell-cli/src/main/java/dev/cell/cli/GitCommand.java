package dev.cell.cli;

import dev.cell.git.GitHost;
import dev.cell.git.PushToken;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.identity.Identity;
import dev.cell.tissue.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cell git serve} hosts cell repositories over smart HTTP (stock git clones and pushes them);
 * {@code cell git token} prints a push token signed by this host's identity.
 *
 * @since 0.1
 */
@Command(
    name = "git",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Host cell repositories over smart HTTP (cell-git), and make push tokens.",
    subcommands = {GitCommand.Serve.class, GitCommand.Token.class})
final class GitCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CellCommand.EXIT_OK;
    }

    @Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = {"Serve <root>/<org>/<name>.git at http://<bind>:<port>/<org>/<name> until Ctrl-C.",
            "Anyone who reaches the port may clone; a push needs a token (cell git token) of an allowed identity.",
            "Each pushed tag gets /<org>/<name>/tags/<tag>/Cell.json; /<org>/<name>/instances.json lists the " +
                "live instances the registry knows on every host, and this host's."})
    static final class Serve implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Option(names = "--root", paramLabel = "<dir>", description = "Repositories folder (default: " +
            "$CELL_HOME/git).")
        private Path root;

        @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "<address>",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
        private String bind;

        @Option(names = "--port", defaultValue = "7780", paramLabel = "<port>",
            description = "Port (default: ${DEFAULT-VALUE}; 0 for any free one).")
        private int port;

        @Option(names = "--allow", paramLabel = "<ed25519:...>",
            description = "A public identity that may push (repeatable; default: this host's own, see cell id).")
        private List<String> allow = List.of();

        @Option(names = "--allowed-keys", paramLabel = "<file>",
            description = "A file of public identities that may push, one per line (# comments).")
        private Path allowedKeys;

        @Override
        public Integer call() throws Exception
        {
            final Path cellHome = CellHome.resolve();
            final Set<String> allowed = new LinkedHashSet<>(allow);
            if (allowedKeys != null)
            {
                for (final String line : Files.readAllLines(allowedKeys))
                {
                    final String key = line.replaceFirst("#.*", "").strip();
                    if (!key.isEmpty())
                    {
                        allowed.add(key);
                    }
                }
            }
            if (allowed.isEmpty())
            {
                allowed.add(Identity.host(cellHome).publicId());
            }
            for (final String key : allowed)
            {
                if (!Identity.isPublicId(key))
                {
                    throw new UserError("'" + key + "' is not a public identity (ed25519:<43 base64url " +
                        "characters>, as cell id prints)");
                }
            }
            final PrintWriter out = spec.commandLine().getOut();
            final CountDownLatch stop = new CountDownLatch(1);
            try (GitHost host = new GitHost(root != null ? root : cellHome.resolve("git"), bind, port, allowed,
                cellHome))
            {
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                out.println("cell-git: serving " + host.root() + " at http://" + bind + ":" + host.port() +
                    "/<org>/<name>; " + allowed.size() + " identit" + (allowed.size() == 1 ? "y" : "ies") +
                    " may push");
                out.flush();
                stop.await();
            }
            catch (final IOException ex)
            {
                throw new UserError("cannot serve on " + bind + ":" + port + ": " + ex.getMessage(), ex);
            }
            return CellCommand.EXIT_OK;
        }
    }

    @Command(
        name = "token",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = {"Print a push token signed by this host's identity, valid for --minutes (at most 10).",
            "Push with it: git push http://cell:<token>@<host>:<port>/<org>/<name> <refs>"})
    static final class Token implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Option(names = "--minutes", defaultValue = "10", paramLabel = "<n>",
            description = "Lifetime in minutes, 1 to 10 (default: ${DEFAULT-VALUE}).")
        private int minutes;

        @Override
        public Integer call()
        {
            if (minutes < 1 || minutes > PushToken.MAX_LIFETIME.toMinutes())
            {
                throw new UserError("--minutes " + minutes + ": a push token lives 1 to " +
                    PushToken.MAX_LIFETIME.toMinutes() + " minutes");
            }
            final Identity identity = Identity.host(CellHome.resolve());
            spec.commandLine().getOut().println(PushToken.create(identity, System.currentTimeMillis() / 1000,
                Duration.ofMinutes(minutes)));
            spec.commandLine().getOut().flush();
            return CellCommand.EXIT_OK;
        }
    }
}
