package dev.cell.cli;

import dev.cell.runtime.CellException;
import dev.cell.tissue.UserError;
import dev.cell.tissue.launch.Instances;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The {@code cell} command: builds and boots cells, lists and stops them, shows their logs and genomes, calls
 * their handlers with JSON, and scaffolds new cells.
 * <p>
 * Exit codes: {@value #EXIT_OK} success; {@value #EXIT_USER_ERROR} a user error (bad argument or
 * {@code cell.toml}, failed build, nothing matched), with a message saying what was wrong and what to do;
 * {@value #EXIT_SDK_FAILURE} a failure of the Cell SDK ({@code CellException}: unavailable, deadline, schema
 * mismatch, …) or of this command itself; {@value #EXIT_DECLARED_ERROR} {@code cell call} got one of the handler's
 * declared errors.
 *
 * @since 0.1
 */
@Command(
    name = "cell",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Build, boot, inspect and call cells: services that call each other with SBE messages over " +
        "shared memory.",
    subcommands = {
        BuildCommand.class,
        MitosisCommand.class,
        PsCommand.class,
        StopCommand.class,
        StatusCommand.class,
        RestartCommand.class,
        ScaleCommand.class,
        TopCommand.class,
        UiCommand.class,
        MetricsCommand.class,
        GitCommand.class,
        JoinCommand.class,
        ReleaseCommand.class,
        SpawnCommand.class,
        IdCommand.class,
        RegistryCommand.class,
        StateCommand.class,
        TokenCommand.class,
        GcCommand.class,
        LogsCommand.class,
        TraceCommand.class,
        CallCommand.class,
        BenchCommand.class,
        GenomeCommand.class,
        InitCommand.class,
        AddCommand.class,
        LockCommand.class,
        CommandLine.HelpCommand.class
    },
    footer = {
        "",
        "Exit codes: 0 ok, 1 user error, 2 SDK failure, 3 declared error (cell call).",
        "Instances register under $CELL_HOME (default ~/.cell; the cell.home system property wins)."
    })
public final class CellCommand implements Runnable
{
    /**
     * Success.
     */
    public static final int EXIT_OK = 0;

    /**
     * Something the user can fix; the message says what.
     */
    public static final int EXIT_USER_ERROR = 1;

    /**
     * A failure of the SDK (a {@link CellException}) or of the command itself.
     */
    public static final int EXIT_SDK_FAILURE = 2;

    /**
     * {@code cell call} returned one of the handler's declared errors.
     */
    public static final int EXIT_DECLARED_ERROR = 3;

    @Spec
    private CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. cell mitosis .");
    }

    /**
     * @return a command line for the whole {@code cell} command, with its exit codes and error printing set up;
     * call {@code execute(args)} on it, or {@code setOut}/{@code setErr} first to capture its output.
     */
    public static CommandLine commandLine()
    {
        final CommandLine cl = new CommandLine(new CellCommand());
        configure(cl);
        return cl;
    }

    /**
     * Run the command in-process (tests, embedding): what {@link #main} does, without exiting.
     *
     * @param args the arguments.
     * @return the exit code.
     */
    public static int run(final String... args)
    {
        return commandLine().execute(args);
    }

    /**
     * @param args the arguments.
     */
    public static void main(final String[] args)
    {
        final int code = run(args);
        System.out.flush();
        System.exit(code);
    }

    private static void configure(final CommandLine cl)
    {
        cl.getCommandSpec().exitCodeOnInvalidInput(EXIT_USER_ERROR);
        cl.getCommandSpec().exitCodeOnExecutionException(EXIT_SDK_FAILURE);
        cl.setExecutionExceptionHandler(CellCommand::handle);
        for (final CommandLine sub : cl.getSubcommands().values())
        {
            configure(sub);
        }
    }

    private static int handle(final Exception ex, final CommandLine cmd, final CommandLine.ParseResult parsed)
    {
        final PrintWriter err = cmd.getErr();
        final String prefix = cmd.getCommandSpec().qualifiedName() + ": ";
        final int code = switch (ex)
        {
            case UserError u ->
            {
                err.println(prefix + u.getMessage());
                yield EXIT_USER_ERROR;
            }
            case CellException c ->
            {
                err.println(c.getClass().getSimpleName() + ": " + c.getMessage());
                yield EXIT_SDK_FAILURE;
            }
            default ->
            {
                err.println(prefix + "failed: " + ex);
                ex.printStackTrace(err);
                yield EXIT_SDK_FAILURE;
            }
        };
        err.flush();
        return code;
    }
}
