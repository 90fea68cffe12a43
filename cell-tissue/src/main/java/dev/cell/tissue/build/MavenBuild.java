package dev.cell.tissue.build;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueConfig;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds a tissue's cells with Maven and tells where each cell's classes and dependencies are.
 * <p>
 * When the tissue folder has a {@code pom.xml}, one Maven run there builds every cell under it (a multi-module
 * project); cells outside it, or every cell when there is no such pom, are built one Maven run per cell folder.
 * Each run is {@code mvn -B -q package dependency:build-classpath -Dmdep.outputFile=target/cell.classpath
 * -Dmdep.includeScope=runtime -DskipTests}, with {@code JAVA_HOME} set to the JDK running this command. Maven is
 * found on the {@code PATH}, or named by the {@code cell.maven} property or {@code CELL_MAVEN}; extra arguments come
 * from the {@code cell.maven.args} property or {@code CELL_MAVEN_ARGS} (e.g. {@code -o}).
 *
 * @since 0.1
 */
public final class MavenBuild
{
    /**
     * Where each built cell's runtime class path is written, relative to its folder.
     */
    public static final String CLASSPATH_FILE = "target/cell.classpath";

    private static final Path SHELL = Path.of("/bin/sh");

    private static final String DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.9.0";
    private static final int TAIL_LINES = 60;

    private final PrintWriter out;
    private final boolean offline;
    private final boolean clean;

    /**
     * One Maven run.
     *
     * @param dir   where it runs (has a pom.xml).
     * @param cells the cells it builds.
     */
    public record Unit(Path dir, List<CellSpec> cells)
    {
    }

    /**
     * @param out     where progress lines go.
     * @param offline true to pass {@code -o} to Maven.
     */
    public MavenBuild(final PrintWriter out, final boolean offline)
    {
        this(out, offline, false);
    }

    /**
     * @param out     where progress lines go.
     * @param offline true to pass {@code -o} to Maven.
     * @param clean   true to run {@code clean} first, so javac runs again even when no source changed (a consumer's
     *                build then checks its calls against the producer's genome as it is now).
     */
    public MavenBuild(final PrintWriter out, final boolean offline, final boolean clean)
    {
        this.out = out;
        this.offline = offline;
        this.clean = clean;
    }

    /**
     * @param tissue a validated tissue.
     * @return the Maven runs that build it.
     * @throws UserError when a cell has no pom.xml to build it with.
     */
    public static List<Unit> plan(final TissueConfig tissue)
    {
        final List<Unit> units = new ArrayList<>();
        final List<CellSpec> underRoot = new ArrayList<>();
        final boolean rootPom = Files.isRegularFile(tissue.root().resolve("pom.xml"));
        for (final CellSpec cell : tissue.cells())
        {
            if (rootPom && cell.dir().startsWith(tissue.root()))
            {
                underRoot.add(cell);
            }
            else if (Files.isRegularFile(cell.dir().resolve("pom.xml")))
            {
                units.add(new Unit(cell.dir(), List.of(cell)));
            }
            else
            {
                throw new UserError(cell.dir() + " (cell '" + cell.name() + "') has no pom.xml, so it cannot be " +
                    "built; create one with `cell init " + cell.name() + "` or start with --no-build after " +
                    "building it yourself");
            }
        }
        if (!underRoot.isEmpty())
        {
            units.addFirst(new Unit(tissue.root(), List.copyOf(underRoot)));
        }
        return List.copyOf(units);
    }

    /**
     * Run one Maven build and check that each of its cells came out runnable.
     *
     * @param unit the run.
     * @throws UserError with Maven's output tail when the build fails.
     */
    public synchronized void build(final Unit unit)
    {
        for (final CellSpec cell : unit.cells())
        {
            progress(cell.name(), "building… (mvn package in " + unit.dir() + ")");
            deleteIfExists(cell.dir().resolve(CLASSPATH_FILE));
        }
        final Path log = unit.dir().resolve(".cell").resolve("build.log");
        final List<String> command = command();
        final long start = System.nanoTime();
        final int exit;
        Process process = null;
        try
        {
            // .cell 0700 and the log 0600 from creation, like everything under .cell (this may be the first thing
            // there); a log left by an earlier version is replaced, not chmod'ed.
            Files.deleteIfExists(log);
            PrivateFiles.ensureFile(log);
            final ProcessBuilder pb = new ProcessBuilder(command)
                .directory(unit.dir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            final Map<String, String> env = pb.environment();
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.putIfAbsent("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow");
            process = pb.start();
            exit = process.waitFor();
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot run Maven (" + mavenExecutable() + ") in " + unit.dir() + ": " +
                ex.getMessage() + "; install Maven or set CELL_MAVEN to its path", ex);
        }
        catch (final InterruptedException ex)
        {
            process.destroy();
            throw new UserError("interrupted while building " + unit.dir(), ex);
        }
        final String seconds = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
        if (exit != 0)
        {
            for (final CellSpec cell : unit.cells())
            {
                progress(cell.name(), "failed");
            }
            throw new UserError("the build failed in " + unit.dir() + " (mvn exit code " + exit + ", " + seconds +
                "): " + String.join(" ", command) + "\n--- last lines of " + log + " ---\n" + tail(log) +
                "\n--- fix the build, then run cell mitosis again");
        }
        for (final CellSpec cell : unit.cells())
        {
            checkBuilt(cell, unit);
            progress(cell.name(), "built (" + seconds + ")");
        }
    }

    /**
     * @param cell a built cell.
     * @return its runtime class path: {@code target/classes} then its dependencies.
     * @throws UserError when the cell has not been built.
     */
    public static List<String> classpath(final CellSpec cell)
    {
        final Path artifact = ArtifactStore.currentArtifact(cell);
        if (artifact != null)
        {
            return classpath(artifact.resolve("cell.jar"), artifact.resolve("classpath"));
        }
        final Path classes = cell.dir().resolve("target").resolve("classes");
        final Path cpFile = cell.dir().resolve(CLASSPATH_FILE);
        if (!Files.isDirectory(classes) || !Files.isRegularFile(cpFile))
        {
            throw new UserError("cell '" + cell.name() + "' in " + cell.dir() + " is not built (" +
                (Files.isDirectory(classes) ? cpFile : classes) + " is missing); run cell mitosis without " +
                "--no-build");
        }
        return classpath(classes, cpFile);
    }

    private static List<String> classpath(final Path classes, final Path cpFile)
    {
        final List<String> entries = new ArrayList<>();
        entries.add(classes.toString());
        try
        {
            final String text = Files.readString(cpFile, StandardCharsets.UTF_8).trim();
            if (!text.isEmpty())
            {
                entries.addAll(Arrays.asList(text.split(File.pathSeparator)));
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + cpFile, ex);
        }
        return List.copyOf(entries);
    }

    /**
     * @param cellDir a cell's folder.
     * @return the genome files its build produced ({@code target/classes/META-INF/cell/*.genome.json}).
     */
    public static List<Path> genomeFiles(final Path cellDir)
    {
        final Path dir = cellDir.resolve("target").resolve("classes").resolve(Genome.RESOURCE_DIR);
        if (!Files.isDirectory(dir))
        {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir))
        {
            return files.filter(p -> p.getFileName().toString().endsWith(".genome.json")).sorted().toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + dir, ex);
        }
    }

    private void checkBuilt(final CellSpec cell, final Unit unit)
    {
        if (!Files.isRegularFile(cell.dir().resolve(CLASSPATH_FILE)))
        {
            throw new UserError("the build in " + unit.dir() + " succeeded but did not build cell '" + cell.name() +
                "' (" + cell.dir().resolve(CLASSPATH_FILE) + " was not written); is " + cell.dir() +
                " a module of " + unit.dir().resolve("pom.xml") + "?");
        }
        final List<Path> genomes = genomeFiles(cell.dir());
        // "exchange@2" (a major version served side by side) is built from @Cell("exchange").
        final String expected = cell.name().replaceFirst("@[0-9]+$", "") + ".genome.json";
        if (genomes.stream().noneMatch(p -> p.getFileName().toString().equals(expected)))
        {
            throw new UserError(cell.file() + " names cell '" + cell.name() + "' but its build produced " +
                (genomes.isEmpty() ? "no genome: no @Cell class was compiled with cell-compiler (list " +
                "dev.cell:cell-compiler in the maven-compiler-plugin's annotationProcessorPaths)" :
                "only " + genomes.stream().map(p -> p.getFileName().toString()).toList() +
                "; make [cell] name match the @Cell(\"...\") value"));
        }
    }

    private List<String> command()
    {
        final List<String> command = new ArrayList<>();
        if (Files.isExecutable(SHELL))
        {
            // A jar records each entry's mode, so the user's umask would change the artifact's hash: builds run
            // under umask 022, as on most machines (.cell/ stays owner-only: PrivateFiles sets its modes itself).
            command.addAll(List.of(SHELL.toString(), "-c", "umask 022 && exec \"$@\"", "mvn"));
        }
        command.add(mavenExecutable());
        command.add("-B");
        command.add("-q");
        command.add("-Dstyle.color=never");
        if (offline)
        {
            command.add("-o");
        }
        final String extra = setting("cell.maven.args", "CELL_MAVEN_ARGS");
        if (extra != null)
        {
            command.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        if (clean)
        {
            command.add("clean");
        }
        command.add("package");
        command.add(DEPENDENCY_PLUGIN + ":build-classpath");
        command.add("-Dmdep.outputFile=" + CLASSPATH_FILE);
        command.add("-Dmdep.includeScope=runtime");
        command.add("-DskipTests");
        return command;
    }

    private static String mavenExecutable()
    {
        final String configured = setting("cell.maven", "CELL_MAVEN");
        if (configured != null)
        {
            return configured;
        }
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String dir : path.split(File.pathSeparator))
            {
                final Path mvn = Path.of(dir.isEmpty() ? "." : dir, "mvn");
                if (Files.isExecutable(mvn))
                {
                    return mvn.toString();
                }
            }
        }
        throw new UserError("Maven (mvn) is not on the PATH; install it (e.g. apt-get install maven) or set " +
            "CELL_MAVEN to its path, or build the cells yourself and run cell mitosis --no-build");
    }

    private static String setting(final String property, final String env)
    {
        final String p = System.getProperty(property);
        if (p != null && !p.isBlank())
        {
            return p;
        }
        final String e = System.getenv(env);
        return e == null || e.isBlank() ? null : e;
    }

    private void progress(final String cell, final String status)
    {
        out.printf("%-16s %s%n", cell, status);
        out.flush();
    }

    private static void deleteIfExists(final Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete " + file, ex);
        }
    }

    public static String tail(final Path file)
    {
        try
        {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
        }
        catch (final IOException ex)
        {
            return "(cannot read " + file + ": " + ex.getMessage() + ")";
        }
    }
}
