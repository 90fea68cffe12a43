package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.launch.ConsoleLines;
import dev.cell.tissue.launch.Instances;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code cell logs <name> [-f] [--json]}: print the logs of a cell's instances, running or stopped, from
 * {@code <cellDir>/.cell/log/*.log} as readable lines ({@link ConsoleLines}; {@code --json}: the JSON objects as
 * written); {@code -f} keeps printing new lines (and new instances' files) until Ctrl-C.
 *
 * @since 0.1
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Print a cell's logs from <cellDir>/.cell/log/ (readable; --json: one JSON object per line), " +
        "for running and stopped instances; -f follows them until Ctrl-C.")
final class LogsCommand implements Callable<Integer>
{
    private static final long POLL_NANOS = 250_000_000L;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The cell's name.")
    private String cell;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new lines until Ctrl-C.")
    private boolean follow;

    @Option(names = "--json", description = "Print the JSON objects as written, not readable lines.")
    private boolean json;

    private final ConsoleLines console = ConsoleLines.forThisTerminal();

    private final Map<Path, Long> positions = new HashMap<>();
    private final Map<Path, ByteArrayOutputStream> partial = new HashMap<>();

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Instances instances = new Instances(CellHome.resolve());
        Set<Path> dirs = cellDirs(instances);
        if (dirs.isEmpty())
        {
            throw new UserError("no logs for cell '" + cell + "': no instance of it is running and `cell mitosis` " +
                "has not started it with cell home " + instances.cellHome() + "; `cell ps` lists running cells");
        }
        final List<Path> files = logFiles(dirs);
        if (files.isEmpty() && !follow)
        {
            spec.commandLine().getErr().println("no log files yet in " + dirs.stream()
                .map(d -> Instances.logDir(d).toString()).toList());
        }
        for (final Path f : files)
        {
            print(f, out);
        }
        if (!follow)
        {
            partial.values().stream().filter(b -> b.size() > 0)
                .forEach(b -> out.println(b.toString(StandardCharsets.UTF_8)));
        }
        out.flush();
        long lastDirScan = System.nanoTime();
        while (follow && !Thread.currentThread().isInterrupted())
        {
            LockSupport.parkNanos(POLL_NANOS);
            if (System.nanoTime() - lastDirScan > 2_000_000_000L)
            {
                dirs = cellDirs(instances);
                lastDirScan = System.nanoTime();
            }
            for (final Path f : logFiles(dirs))
            {
                print(f, out);
            }
            out.flush();
        }
        return CellCommand.EXIT_OK;
    }

    private Set<Path> cellDirs(final Instances instances)
    {
        final Set<Path> dirs = new LinkedHashSet<>();
        for (final Instance i : instances.live(cell))
        {
            if (i.cellDir() != null)
            {
                dirs.add(i.cellDir().toAbsolutePath().normalize());
            }
        }
        instances.recordedCellDir(cell).ifPresent(d -> dirs.add(d.toAbsolutePath().normalize()));
        return dirs;
    }

    private static List<Path> logFiles(final Set<Path> dirs)
    {
        final List<Path> files = new ArrayList<>();
        for (final Path dir : dirs)
        {
            final Path logDir = Instances.logDir(dir);
            if (!Files.isDirectory(logDir))
            {
                continue;
            }
            try (Stream<Path> list = Files.list(logDir))
            {
                list.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p))
                    .forEach(files::add);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot list " + logDir, ex);
            }
        }
        files.sort(Comparator.comparingLong(LogsCommand::modified).thenComparing(Path::toString));
        return files;
    }

    private static long modified(final Path p)
    {
        try
        {
            return Files.getLastModifiedTime(p).toMillis();
        }
        catch (final IOException ex)
        {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Print the complete lines appended to a file since the last call; a file that shrank is read from its start.
     */
    private String line(final Path file, final String text)
    {
        return json ? text : console.format(file.getFileName().toString().replaceFirst("\\.log$", ""), text);
    }

    private void print(final Path file, final PrintWriter out)
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ))
        {
            long pos = positions.getOrDefault(file, 0L);
            final long size = ch.size();
            if (size < pos)
            {
                pos = 0;
                partial.remove(file);
            }
            if (size == pos)
            {
                return;
            }
            final ByteArrayOutputStream pending = partial.computeIfAbsent(file, f -> new ByteArrayOutputStream());
            final ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (pos < size)
            {
                buf.clear();
                final int n = ch.read(buf, pos);
                if (n <= 0)
                {
                    break;
                }
                pos += n;
                for (int i = 0; i < n; i++)
                {
                    final byte b = buf.get(i);
                    if (b == '\n')
                    {
                        out.println(line(file, pending.toString(StandardCharsets.UTF_8)));
                        pending.reset();
                    }
                    else
                    {
                        pending.write(b);
                    }
                }
            }
            positions.put(file, pos);
        }
        catch (final java.nio.file.NoSuchFileException ex)
        {
            positions.remove(file);
            partial.remove(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
    }
}
