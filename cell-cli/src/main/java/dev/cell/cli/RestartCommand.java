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
 * {@code cell restart <name>}: replace a supervised cell's instances one at a time, each old one stopped only once
 * its replacement answers, so the others keep serving.
 *
 * @since 0.1
 */
@Command(
    name = "restart",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Rolling restart of a cell run by cell mitosis: start a new instance, wait until it is ready, " +
        "stop one old instance; repeat for each replica.")
final class RestartCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The cell's name.")
    private String cell;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Supervisors.Entry supervisor = Supervisors.requireForCell(CellHome.resolve(), cell,
            "only supervised cells can be restarted one instance at a time");
        final String reply = supervisor.send("restart " + cell);
        if (!reply.startsWith("ok"))
        {
            throw new UserError("restart of '" + cell + "' failed: " + reply.replaceFirst("^error: ", ""));
        }
        out.println(reply.substring(reply.indexOf('\n') + 1));
        out.flush();
        return CellCommand.EXIT_OK;
    }
}
