package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.HostConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cell join [<endpoint>|multicast] --key K --token T --listen host:port}: this host joins a running registry
 * group as a listener (a non-voting replica with the full state, which a voter's long absence may promote). The
 * member is found at the endpoint given, else at the seeds of {@code $CELL_HOME/host.toml} ({@code [registry]
 * seeds}) and {@code CELL_SEEDS}, tried in turn, or with {@code multicast} by its signed beacon on the LAN. The
 * replica then keeps running in the background ({@link RegistryProcess}).
 *
 * @since 0.3
 */
@Command(
    name = "join",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {"Join this host to a running registry as a listener and keep its replica running.",
        "The token comes from `cell registry invite` on a member host; --key is the registry key it prints."})
final class JoinCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<endpoint>", description = "A member host's join " +
        "endpoint (host:port), or multicast; default: the seeds of $CELL_HOME/host.toml and CELL_SEEDS.")
    private String endpoint;

    @Option(names = "--key", required = true, description = "The registry key the member must prove (ed25519:...).")
    private String key;

    @Option(names = "--token", required = true, description = "The one-time token `cell registry invite` printed.")
    private String token;

    @Option(names = "--listen", required = true, paramLabel = "<host:port>", description = "The address the other " +
        "hosts reach this host's replica at.")
    private String listen;

    @Option(names = "--dir", description = "This host's registry folder (default: $CELL_HOME/registry-replica).")
    private Path dir;

    @picocli.CommandLine.Mixin
    private RegistryProcess.Launch launch;

    @Override
    public Integer call()
    {
        final Path home = CellHome.resolve();
        final Path folder = RegistryProcess.folder(dir, home);
        if (Files.isDirectory(folder.resolve(".cell").resolve("replicas")))
        {
            throw new UserError(folder + " already holds a registry group: this host is a member; run `cell " +
                "registry serve " + folder + " --slot <its slot>`");
        }
        final List<String> args = new ArrayList<>();
        final List<String> seeds = HostConfig.read(home, System.getenv()).seeds();
        if (endpoint != null)
        {
            args.addAll(List.of("--join", endpoint));
        }
        else if (seeds.isEmpty())
        {
            throw new UserError("no member to join: name one (`cell join <host:port>` or `cell join multicast`), " +
                "or list seeds in " + home.resolve(HostConfig.FILE_NAME) + " ([registry] seeds = [\"host:port\"]) or " +
                "CELL_SEEDS");
        }
        args.addAll(List.of("--key", key, "--token", token, "--listen", listen));
        final int slot = RegistryProcess.start(folder, home, args, endpoint == null ? Map.of("CELL_SEEDS",
            String.join(",", seeds)) : Map.of(), launch, spec.commandLine().getOut());
        spec.commandLine().getOut().println("joined as listener slot " + slot + "; after a restart of this host: " +
            "`cell registry serve " + folder + " --slot " + slot + "`");
        spec.commandLine().getOut().flush();
        return CellCommand.EXIT_OK;
    }
}
