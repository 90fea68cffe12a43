package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.identity.Identity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code cell id}: this host's public identity, {@code ed25519:...}, created on first use under
 * {@code $CELL_HOME/identity/host.key} (owner-only). Others allow it ({@code cell git serve --allow}).
 *
 * @since 0.1
 */
@Command(
    name = "id",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Print this host's public identity (Ed25519), creating its key on first use.")
final class IdCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().getOut().println(Identity.host(CellHome.resolve()).publicId());
        spec.commandLine().getOut().flush();
        return CellCommand.EXIT_OK;
    }
}
