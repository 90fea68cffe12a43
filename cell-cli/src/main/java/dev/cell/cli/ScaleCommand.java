package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.supervise.Supervisors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code cell scale <name> <replicas>}: run a supervised cell with that many instances, checked as the same
 * {@code replicas} in {@code cell.toml} would be (at most 64, within every {@code [resources]} budget above it);
 * the same request a cell makes from code with {@code context.tissue().scale(..)}.
 *
 * @since 0.1
 */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Scale a cell run by cell mitosis to <replicas> instances (0 stops it), within the tissue's " +
        "resource budgets; cell.toml is not changed.")
final class ScaleCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The cell's name.")
    private String cell;

    @Parameters(index = "1", paramLabel = "<replicas>", description = "How many instances, 0 to 64.")
    private int replicas;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Supervisors.Entry supervisor = Supervisors.requireForCell(CellHome.resolve(), cell,
            "only supervised cells can be scaled");
        final String reply = supervisor.send("scale " + cell + " " + replicas);
        if (!reply.startsWith("ok"))
        {
            throw new UserError(reply.replaceFirst("^error: ", ""));
        }
        out.println(reply);
        out.flush();
        return CellCommand.EXIT_OK;
    }
}
