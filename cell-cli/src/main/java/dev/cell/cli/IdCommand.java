package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code cell id [dir]}: a public identity, {@code ed25519:...}, its key created on first use (owner-only). Without
 * a folder, this host's, under {@code $CELL_HOME/identity/host.key}: the identity the host's commands and instances
 * prove when they call out, which others allow ({@code [auth] allowed_keys}, {@code cell git serve --allow}). With a
 * cell folder, that cell's, under {@code <dir>/.cell/identity/cell.key} ({@link AxonOptions#identityFileOf}): the
 * identity its instances prove to remote callers, which they pin ({@code [deps] x = { endpoint, key }},
 * {@code --key}).
 *
 * @since 0.1
 */
@Command(
    name = "id",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Print a public identity (Ed25519), creating its key on first use (owner-only file).",
        "Without <dir>: this host's, the one its calls out prove; others allow it with [auth] allowed_keys " +
            "(or cell git serve --allow).",
        "With a cell folder: that cell's, the one its instances prove to remote callers; callers pin it with " +
            "[deps] x = { endpoint = \"host:port\", key = \"ed25519:...\" } or --endpoint ... --key."
    })
final class IdCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<dir>",
        description = "A cell folder (with a cell.toml [cell] table); default: this host.")
    private Path dir;

    @Override
    public Integer call()
    {
        final Identity identity;
        if (null == dir)
        {
            identity = Identity.host(CellHome.resolve());
        }
        else
        {
            // A cell's instances read their key from the folder they run in: refuse anything but a cell folder.
            final TissueConfig.CellSpec cell = TissueConfig.loadCell(dir);
            identity = load(AxonOptions.identityFileOf(cell.dir()));
        }
        spec.commandLine().getOut().println(identity.publicId());
        spec.commandLine().getOut().flush();
        return CellCommand.EXIT_OK;
    }

    /**
     * @return the identity in {@code file}, created when absent; a file that cannot be read is a user error.
     */
    static Identity load(final Path file)
    {
        try
        {
            return Identity.loadOrCreate(file);
        }
        catch (final UncheckedIOException | IllegalArgumentException ex)
        {
            throw new UserError("cannot read or create the identity " + file + ": " + ex.getMessage(), ex);
        }
    }
}
