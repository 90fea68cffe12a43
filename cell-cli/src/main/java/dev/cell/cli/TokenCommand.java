package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.identity.AccessToken;
import dev.cell.runtime.identity.Identity;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code cell token <caller> --cell <name> [--ttl 10m]}: an {@link AccessToken} signed by this host's identity (or
 * {@code --key-file}'s) with which {@code <caller>} may call the cell for up to 10 minutes, when this identity is in
 * the cell's {@code [auth] allowed_keys}; the caller passes it with {@code --token} ({@code cell call}, {@code cell
 * bench}) or the {@code cell.token.<cell>} property.
 *
 * @since 0.3
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {"Let another identity call a cell for a few minutes: prints an access token signed by this " +
        "host's identity, which the cell accepts when this identity is one of its [auth] allowed_keys.",
        "The caller passes it with --token (cell call, cell bench) or -Dcell.token.<cell>=..."})
final class TokenCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<caller>", description = "The caller's identity (its `cell id`).")
    private String caller;

    @Option(names = "--cell", required = true, description = "The cell it may call.")
    private String cell;

    @Option(names = "--ttl", description = "How long the token is valid (at most 10m, the default).")
    private String ttl = "10m";

    @Option(names = "--key-file", description = "Sign with this identity instead of this host's.")
    private Path keyFile;

    @Override
    public Integer call()
    {
        final Duration valid = Durations.parse(ttl, "--ttl");
        final Identity granter = keyFile != null ? Identity.loadOrCreate(keyFile) : Identity.host(CellHome.resolve());
        final String token;
        try
        {
            token = AccessToken.grant(granter, caller.strip(), cell, valid, System.currentTimeMillis() / 1000);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError(ex.getMessage(), ex);
        }
        spec.commandLine().getOut().println(token);
        spec.commandLine().getOut().flush();
        return CellCommand.EXIT_OK;
    }
}
