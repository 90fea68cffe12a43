package dev.cell.cli;

import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.config.TissueTree.Node;
import dev.cell.tissue.launch.TraceTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code cell trace <id> [dir]}: one call's tree across the tissue's cells, rebuilt from the span records in every
 * cell's {@code .cell/log/} ({@link TraceTree}): per span the cell and handler, the instance that served it, how
 * long it took and its outcome, indented under its caller.
 *
 * @since 0.4
 */
@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Show one trace as a call tree: cell.handler, instance, duration and outcome of each span, indented under " +
            "its caller, from the logs of the tissue's cells (running or stopped).",
        "The id is in every log line of a call (\"traceId\"); `cell call --trace` prints it. Spans are recorded for " +
            "sampled traces (every `cell call`, [observe] sample of the others) or, with [observe] trace = \"all\", " +
            "for every call."
    })
final class TraceCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<id>", description = "The trace id: 32 hex digits, or its first 8 or more.")
    private String id;

    @Parameters(index = "1", paramLabel = "<dir>", defaultValue = ".",
        description = "Tissue or cell folder (default: the current folder).")
    private Path dir;

    @Option(names = "--logs", description = "Also print the trace's other log lines, under the span that wrote them.")
    private boolean logs;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final TissueTree tree = TissueTree.load(dir);
        final List<Path> cellDirs = new ArrayList<>();
        for (final Node n : tree.cells())
        {
            cellDirs.add(n.dir());
        }
        out.print(TraceTree.read(id, TraceTree.logFiles(cellDirs)).render(logs));
        out.flush();
        return CellCommand.EXIT_OK;
    }
}
