package dev.cell.cli;

import dev.cell.compiler.deps.GenomeResolver;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.CellLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code cell lock [--update]}: resolve every dependency of a cell and pin its genome in {@code Cell.lock}.
 *
 * @since 0.2
 */
@Command(
    name = "lock",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Resolve the genome of each cell this cell calls (each @CellRemote in src/main/java; without sources, " +
            "[deps] in cell.toml and the entries of Cell.lock) from a running instance or its source, and pin it in " +
            "Cell.lock and .cell-genomes/ (commit both). With --update, entries no source uses are removed.",
        "Without --update, entries already pinned are checked: one that no longer matches is reported with both " +
            "fingerprints and the command fails. With --update they are re-pinned."
    })
final class LockCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--update", description = "Re-pin entries whose producer changed.")
    private boolean update;

    @Option(names = {"-C", "--dir"}, paramLabel = "<dir>", description = "The consumer's folder (default: the " +
        "current one).", defaultValue = ".")
    private Path dir;

    private static final Pattern REMOTE = Pattern.compile(
        "@(?:dev\\.cell\\.runtime\\.)?CellRemote\\s*\\(\\s*(?:value\\s*=\\s*)?\"([^\"]+)\"");

    /**
     * @param sources a source folder.
     * @return the cells its {@code @CellRemote} interfaces name.
     */
    static Set<String> remotes(final Path sources) throws IOException
    {
        final Set<String> names = new TreeSet<>();
        if (!Files.isDirectory(sources))
        {
            return names;
        }
        try (Stream<Path> walk = Files.walk(sources))
        {
            for (final Path file : walk.filter(p -> p.toString().endsWith(".java")).toList())
            {
                final Matcher m = REMOTE.matcher(Files.readString(file));
                while (m.find())
                {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    @Override
    public Integer call() throws IOException
    {
        final Path root = dir.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve(CellDeps.FILE)))
        {
            throw new UserError("no " + root.resolve(CellDeps.FILE) + ": run `cell lock` in a cell's folder or give " +
                "it with --dir");
        }
        final CellDeps deps;
        CellLock lock;
        try
        {
            deps = CellDeps.read(root);
            lock = CellLock.read(root);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError(ex.getMessage());
        }
        if (deps.offline())
        {
            throw new UserError("this cell is offline (offline = true in cell.toml or CELL_OFFLINE set): `cell lock` " +
                "needs the producers; unset it for this command");
        }
        final PrintWriter out = spec.commandLine().getOut();
        // What the sources use decides; without sources, every [deps] entry and lock entry.
        final Set<String> used = remotes(root.resolve("src/main/java"));
        final Set<String> names = new TreeSet<>(used);
        if (used.isEmpty())
        {
            names.addAll(lock.entries().keySet());
            for (final String dep : deps.deps().keySet())
            {
                if (names.stream().noneMatch(n -> n.equals(dep) || n.startsWith(dep + "@")))
                {
                    names.add(dep);
                }
            }
        }
        else
        {
            for (final String pinned : lock.entries().keySet())
            {
                if (!used.contains(pinned))
                {
                    if (update)
                    {
                        lock = lock.unpin(pinned);
                        out.println("removed  " + pinned + " (no @CellRemote(\"" + pinned + "\") in the sources)");
                    }
                    else
                    {
                        out.println("unused   " + pinned + " (no @CellRemote(\"" + pinned + "\") in the sources; " +
                            "--update removes it)");
                    }
                }
            }
        }
        if (names.isEmpty())
        {
            out.println("nothing to lock: cell.toml has no [deps] (add one with `cell add <name> --path <dir>`)");
            out.flush();
            return CellCommand.EXIT_OK;
        }
        final GenomeResolver resolver = new GenomeResolver(root);
        int stale = 0;
        for (final String name : names)
        {
            final GenomeResolver.Resolved r;
            try
            {
                r = resolver.resolve(name, false);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UserError(ex.getMessage());
            }
            final String what = name + " " + r.genome().version() + " " + r.genome().fingerprint() + " from " +
                r.source();
            if (r.locked() == null)
            {
                lock = lock.pin(name, r.genome(), r.source(), r.instances());
                out.println("pinned   " + what);
            }
            else if (!r.lockDiffers())
            {
                out.println("ok       " + what);
            }
            else if (update)
            {
                lock = lock.pin(name, r.genome(), r.source(), r.instances());
                out.println("updated  " + name + " " + r.locked().fingerprint() + " -> " + r.genome().fingerprint() +
                    " (" + r.genome().version() + " from " + r.source() + ")");
            }
            else
            {
                out.println("STALE    " + r.lockMismatch());
                stale++;
            }
        }
        for (final CellDeps.Dep dep : deps.deps().values())
        {
            final CellLock.Entry e = lock.entries().get(dep.name());
            if (dep.owner() == null || e == null || e.owner().isEmpty() || e.owner().equals(dep.owner()))
            {
                continue;
            }
            if (update)
            {
                lock = lock.withRelease(dep.name(), dep.owner(), "", "");
                out.println("owner    " + dep.name() + " " + e.owner() + " -> " + dep.owner() + " (the release " +
                    "pinned for the old key is dropped; the next verified spawn pins one again)");
            }
            else
            {
                out.println("STALE    " + lock.releaseProblem(dep.name(), dep.owner(), dep.tag(), null));
                stale++;
            }
        }
        out.flush();
        if (stale > 0)
        {
            throw new UserError(stale + " dependenc" + (stale == 1 ? "y" : "ies") + " changed since Cell.lock was " +
                "written: run `cell lock --update`, rebuild, and fix what the compiler reports");
        }
        return CellCommand.EXIT_OK;
    }
}
