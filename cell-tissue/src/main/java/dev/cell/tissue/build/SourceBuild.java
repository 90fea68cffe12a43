package dev.cell.tissue.build;

import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueConfig.CellSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One cell built from a checked-out source tree the way a release is built, so that the owner's build and every
 * consumer's give the same jar: {@code mvn -o clean package} (plus the class path the launcher needs) under
 * {@code umask 022}, with {@code project.build.outputTimestamp} set on the command line to the commit's time (so a
 * pom need not set it, and one that does is overridden the same way everywhere), optionally in a {@link Capsid}.
 * Dependencies are resolved first, with the network, when asked; the build itself always runs offline. A cell whose
 * {@code cell.toml} has a {@code [build]} command is built by that command instead ({@link RecipeBuild}).
 *
 * @since 0.3
 */
public final class SourceBuild
{
    /**
     * Maven's {@code project.build.outputTimestamp} must be after this (zip's epoch plus two seconds).
     */
    private static final Instant EARLIEST = Instant.parse("1980-01-01T00:00:02Z");

    private SourceBuild()
    {
    }

    /**
     * What a build produced.
     *
     * @param cell    the cell (its folder's {@code cell.toml}).
     * @param jar     the jar in its {@code target/}.
     * @param sha256  the jar's SHA-256, 64 hex digits.
     * @param genome  the genome the build compiled ({@code META-INF/cell/<cell>.genome.json}).
     * @param sandbox what the sandbox enforced ({@link Capsid#notes()}).
     */
    public record Result(CellSpec cell, Path jar, String sha256, Genome genome, List<String> sandbox)
    {
        /**
         * Canonical constructor: copies the list.
         */
        public Result
        {
            sandbox = List.copyOf(sandbox);
        }
    }

    /**
     * @param commitTime a commit's time.
     * @return the {@code project.build.outputTimestamp} a build of it uses: that time in whole seconds, UTC.
     */
    public static String outputTimestamp(final Instant commitTime)
    {
        final Instant t = commitTime.isBefore(EARLIEST) ? EARLIEST : commitTime.truncatedTo(ChronoUnit.SECONDS);
        return t.toString();
    }

    /**
     * Build the cell in {@code dir}.
     *
     * @param dir        the checked-out source (a {@code cell.toml} with {@code [cell]}, and a {@code pom.xml} or a
     *                   {@code [build]} command).
     * @param commitTime the time of the commit it was checked out at.
     * @param sandbox    the sandbox to build in, or null for none (the owner's own source).
     * @param resolve    true to resolve dependencies with the network first.
     * @param timeout    how long one Maven run may take.
     * @param out        where progress goes.
     * @return the jar, its hash and genome.
     * @throws UserError when there is nothing to build, or the build fails (with Maven's output tail).
     */
    public static Result build(final Path dir, final Instant commitTime, final Capsid.Options sandbox,
        final boolean resolve, final Duration timeout, final PrintWriter out)
    {
        final CellSpec cell = TissueConfig.loadCell(dir);
        if (cell.recipe() != null)
        {
            normalizeModes(dir);
            return RecipeBuild.build(cell, commitTime, sandbox, resolve, timeout, out);
        }
        if (!Files.isRegularFile(dir.resolve("pom.xml")))
        {
            throw new UserError(dir + " has no pom.xml and its cell.toml no [build] command, so it cannot be " +
                "built: add a pom.xml (`cell init`) or [build] command = [...] and artifact = \"...\"");
        }
        normalizeModes(dir);
        final MavenBuild maven = new MavenBuild(out, true, true).sandboxed(sandbox,
            List.of("-Dproject.build.outputTimestamp=" + outputTimestamp(commitTime)), timeout);
        if (resolve)
        {
            final String failed = maven.resolve(dir, MavenBuild.localRepository());
            if (failed != null)
            {
                out.println(cell.name() + ": dependency resolution (mvn dependency:go-offline) did not complete; " +
                    "building offline with what the local repository holds. Its last lines:\n" + failed);
                out.flush();
            }
        }
        maven.build(new MavenBuild.Unit(dir, List.of(cell)));
        final Path jar = ArtifactStore.builtJar(dir);
        if (jar == null)
        {
            throw new UserError("the build in " + dir + " made no jar in target/; a released cell is its jar");
        }
        final Path genomeFile = dir.resolve("target").resolve("classes")
            .resolve(Genome.RESOURCE_DIR + cell.name().replaceFirst("@[0-9]+$", "") + ".genome.json");
        final Genome genome;
        try
        {
            genome = Genome.fromJson(Files.readString(genomeFile));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new UserError("cannot read the genome the build of " + dir + " compiled (" + genomeFile + "): " +
                ex.getMessage(), ex);
        }
        return new Result(cell, jar, ArtifactStore.sha256Hex(jar), genome, maven.sandboxNotes());
    }

    /**
     * Give the checked-out files the modes git records (0644, or 0755 when executable) and their folders 0755,
     * whatever the umask of the process that checked them out: a jar records the mode of every file it takes from
     * the source tree (Maven adds {@code META-INF/maven/.../pom.xml}), so a checkout under {@code umask 077} built to
     * another hash. {@code .git} and {@code .cell} are left as they are, and so is the folder itself.
     */
    private static void normalizeModes(final Path dir)
    {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix"))
        {
            return;
        }
        final Set<PosixFilePermission> file = PosixFilePermissions.fromString("rw-r--r--");
        final Set<PosixFilePermission> exec = PosixFilePermissions.fromString("rwxr-xr-x");
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : paths.filter(p -> !p.equals(dir)).toList())
            {
                final Path top = dir.relativize(p).getName(0);
                if (top.toString().equals(".git") || top.toString().equals(".cell") ||
                    Files.isSymbolicLink(p))
                {
                    continue;
                }
                Files.setPosixFilePermissions(p, Files.isDirectory(p) || Files.isExecutable(p) ? exec : file);
            }
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot set the modes of the checked-out files in " + dir + ": " + ex.getMessage(),
                ex);
        }
    }
}
