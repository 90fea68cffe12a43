package dev.cell.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs the cell command in-process and captures what it printed.
 *
 * @param code the exit code.
 * @param out  what it printed on stdout.
 * @param err  what it printed on stderr.
 */
record Cli(int code, String out, String err)
{
    static Cli run(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = CellCommand.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int code = cl.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    @Override
    public String toString()
    {
        return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }
}
