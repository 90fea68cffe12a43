package dev.cell.cli;

import dev.cell.compiler.deps.GenomeDiff;
import dev.cell.compiler.deps.SourceGenomes;
import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.MavenBuild;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code cell genome <name> --diff <other>}: the compatibility report.
 *
 * @since 0.2
 */
final class GenomeDiffReport
{
    /**
     * Exit code of {@code --diff} when a handler breaks.
     */
    static final int EXIT_BREAKING = 4;

    private GenomeDiffReport()
    {
    }

    /**
     * @param base       the genome consumers were built against.
     * @param baseSource where it came from.
     * @param other      a .genome.json file, a built cell folder or a cell's source folder.
     * @param out        where to print.
     * @return the exit code: 0 compatible, {@link #EXIT_BREAKING} when a handler breaks.
     */
    static int print(final Genome base, final String baseSource, final String other, final PrintWriter out)
    {
        final Path path = Path.of(other);
        final Genome newer;
        final String newerSource;
        try
        {
            if (Files.isRegularFile(path))
            {
                newer = Genome.fromJson(Files.readString(path, StandardCharsets.UTF_8));
                newerSource = path.toString();
            }
            else if (Files.isDirectory(path))
            {
                final List<Path> built = MavenBuild.genomeFiles(path.toAbsolutePath()).stream()
                    .filter(p -> p.getFileName().toString().equals(base.cell() + ".genome.json")).toList();
                if (!built.isEmpty() && !Files.isDirectory(path.resolve("src/main/java")))
                {
                    newer = Genome.fromJson(Files.readString(built.getFirst(), StandardCharsets.UTF_8));
                    newerSource = built.getFirst().toString();
                }
                else
                {
                    newer = SourceGenomes.fromDirectory(path.toAbsolutePath(), base.cell());
                    newerSource = "source " + path;
                }
            }
            else
            {
                throw new UserError("--diff " + other + ": no such file or folder; give a .genome.json file, a built " +
                    "cell folder or a cell's source folder");
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new UserError("--diff " + other + ": " + ex.getMessage());
        }
        if (!newer.cell().equals(base.cell()))
        {
            throw new UserError("--diff compares two versions of one cell, but " + newerSource + " is cell '" +
                newer.cell() + "', not '" + base.cell() + "'");
        }
        out.println("cell " + base.cell() + ": " + base.version() + " " + base.fingerprint() + " (" + baseSource +
            ") -> " + newer.version() + " " + newer.fingerprint() + " (" + newerSource + ")");
        int breaking = 0;
        final List<GenomeDiff.HandlerDiff> diffs = GenomeDiff.diff(base, newer);
        for (final GenomeDiff.HandlerDiff d : diffs)
        {
            out.println("  handler " + d.handler() + ": " + d.summary());
            for (final String change : d.changes())
            {
                out.println("      " + change);
            }
            if (d.breaking())
            {
                breaking++;
            }
        }
        out.println(breaking == 0 ? "compatible: consumers built against " + base.fingerprint() + " keep working" :
            "BREAKING: " + breaking + " of " + diffs.size() + " handlers; consumers using them must be rebuilt " +
            "(or release the change as a new major version)");
        out.flush();
        return breaking == 0 ? CellCommand.EXIT_OK : EXIT_BREAKING;
    }
}
