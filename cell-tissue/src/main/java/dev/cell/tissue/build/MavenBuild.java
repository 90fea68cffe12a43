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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    private final List<String> extraArgs;
    private final Capsid.Options sandbox;
    private final Duration timeout;
    private volatile List<String> sandboxNotes = List.of();

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
        this(out, offline, clean, List.of(), null, null);
    }

    private MavenBuild(final PrintWriter out, final boolean offline, final boolean clean,
        final List<String> extraArgs, final Capsid.Options sandbox, final Duration timeout)
    {
        this.out = out;
        this.offline = offline;
        this.clean = clean;
        this.extraArgs = List.copyOf(extraArgs);
        this.sandbox = sandbox;
        this.timeout = timeout;
    }

    /**
     * @param options   the sandbox every Maven run of this build runs in ({@link Capsid}), or null for none.
     * @param arguments extra Maven arguments (e.g. {@code -Dproject.build.outputTimestamp=...}).
     * @param limit     how long one Maven run may take before it is killed, or null for no limit.
     * @return a copy that runs Maven that way.
     */
    public MavenBuild sandboxed(final Capsid.Options options, final List<String> arguments, final Duration limit)
    {
        return new MavenBuild(out, offline, clean, arguments, options, limit);
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
            if (cell.recipe() != null)
            {
                units.add(new Unit(cell.dir(), List.of(cell))); // built by its [build] command (TissueBuild)
            }
            else if (rootPom && cell.dir().startsWith(tissue.root()))
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
        final List<String> command = command(buildGoals());
        final long start = System.nanoTime();
        final int exit = run(unit.dir(), command, log, sandbox);
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
     * Resolve a project's dependencies and plugins into the local Maven repository ({@code dependency:go-offline}),
     * with the network, so that {@link #build} can then run offline. When this build is sandboxed the run is too,
     * with the network kept and {@code mavenRepo} writable besides the project's folder.
     *
     * @param dir       the project.
     * @param mavenRepo the local Maven repository it resolves into.
     * @return null when it succeeded, else the last lines of its output (the offline build may still succeed:
     * {@code go-offline} also resolves plugins a build never runs).
     */
    public String resolve(final Path dir, final Path mavenRepo)
    {
        final Path log = dir.resolve(".cell").resolve("resolve.log");
        final Capsid.Options options = sandbox == null ? null : sandbox.resolving(mavenRepo);
        final List<String> goals = List.of(DEPENDENCY_PLUGIN + ":go-offline");
        final MavenBuild online = new MavenBuild(out, false, false, extraArgs, options, timeout);
        final int exit = online.run(dir, online.command(goals), log, options);
        return exit == 0 ? null : tail(log);
    }

    /**
     * The runtime class path of a project Cell writes itself (never sandboxed: it is not somebody else's source).
     *
     * @param dir a folder with a {@code pom.xml}.
     * @return its dependencies' jars, joined with the path separator.
     * @throws UserError with Maven's output tail when they cannot be resolved.
     */
    public String dependencyClasspath(final Path dir)
    {
        final Path log = dir.resolve("classpath.log");
        final Path file = dir.resolve("classpath.txt");
        final int exit = run(dir, command(List.of(DEPENDENCY_PLUGIN + ":build-classpath", "-Dmdep.outputFile=" + file,
            "-Dmdep.includeScope=runtime")), log, null);
        try
        {
            if (exit == 0)
            {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
        throw new UserError("cannot resolve the class path of " + dir.resolve("pom.xml") + " (mvn exit code " + exit +
            (offline ? ", offline: the local repository lacks it; run once without --offline" : "") + "):\n" +
            tail(log));
    }

    /**
     * @return the local Maven repository Maven uses: {@code -Dmaven.repo.local} in {@code cell.maven.args} /
     * {@code CELL_MAVEN_ARGS}, else {@code ~/.m2/repository} (a {@code localRepository} set in
     * {@code settings.xml} is not read).
     */
    public static Path localRepository()
    {
        final String extra = setting("cell.maven.args", "CELL_MAVEN_ARGS");
        if (extra != null)
        {
            for (final String a : extra.trim().split("\\s+"))
            {
                if (a.startsWith("-Dmaven.repo.local="))
                {
                    return Path.of(a.substring("-Dmaven.repo.local=".length())).toAbsolutePath();
                }
            }
        }
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /**
     * @return what the sandbox of the last Maven run enforced ({@link Capsid#notes()}), or "not sandboxed".
     */
    public List<String> sandboxNotes()
    {
        return sandboxNotes;
    }

    private int run(final Path dir, final List<String> command, final Path log, final Capsid.Options options)
    {
        Process process = null;
        Capsid capsid = null;
        try
        {
            // .cell 0700 and the log 0600 from creation, like everything under .cell (this may be the first thing
            // there); a log left by an earlier version is replaced, not chmod'ed.
            Files.deleteIfExists(log);
            PrivateFiles.ensureFile(log);
            capsid = options == null ? null : Capsid.open(dir, options);
            sandboxNotes = capsid == null ? List.of("not sandboxed") : capsid.notes();
            final ProcessBuilder pb = new ProcessBuilder(capsid == null ? command : capsid.command(command))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            final Map<String, String> env = pb.environment();
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.putIfAbsent("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow");
            if (capsid != null)
            {
                env.putAll(capsid.environment(env));
            }
            process = pb.start();
            if (timeout == null)
            {
                return process.waitFor();
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly().waitFor();
                Files.writeString(log, "\n(killed after " + timeout.toSeconds() + " s)\n",
                    java.nio.file.StandardOpenOption.APPEND);
                return 137;
            }
            return process.exitValue();
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot run Maven (" + mavenExecutable() + ") in " + dir + ": " +
                ex.getMessage() + "; install Maven or set CELL_MAVEN to its path", ex);
        }
        catch (final InterruptedException ex)
        {
            if (process != null)
            {
                process.destroy();
            }
            throw new UserError("interrupted while building " + dir, ex);
        }
        finally
        {
            if (capsid != null)
            {
                capsid.close();
            }
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

    private List<String> buildGoals()
    {
        final List<String> goals = new ArrayList<>();
        if (clean)
        {
            goals.add("clean");
        }
        goals.add("package");
        goals.add(DEPENDENCY_PLUGIN + ":build-classpath");
        goals.add("-Dmdep.outputFile=" + CLASSPATH_FILE);
        goals.add("-Dmdep.includeScope=runtime");
        goals.add("-DskipTests");
        return goals;
    }

    private List<String> command(final List<String> goals)
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
        command.addAll(extraArgs);
        command.addAll(goals);
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
