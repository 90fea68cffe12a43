package dev.cell.tissue.build;

import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.BuildRecipe;
import dev.cell.tissue.config.TissueConfig.CellSpec;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A cell built by the command its {@code [build]} names ({@link BuildRecipe}) rather than by Maven. Cell resolves
 * its own runtime's class path first (Maven, on two projects it writes itself, never in the sandbox), then runs the
 * command in the cell's folder — in the {@link Capsid} when one is given, under {@code umask 022} — and lays its
 * artifact out the way a Maven build leaves one, so that storing, verifying and launching it do not differ:
 * {@code target/<artifact>.jar}, {@code target/cell.classpath} (the Cell runtime's class path) and the genome the jar
 * holds under {@code target/classes/META-INF/cell/}.
 *
 * @since 0.3
 */
final class RecipeBuild
{
    private static final String SHELL = "/bin/sh";
    private static final int MAX_GENOME = 1 << 20;

    private RecipeBuild()
    {
    }

    static SourceBuild.Result build(final CellSpec cell, final Instant commitTime, final Capsid.Options sandbox,
        final boolean resolve, final Duration timeout, final PrintWriter out)
    {
        final BuildRecipe recipe = cell.recipe();
        final Path dir = cell.dir();
        final Path cellDir = dir.resolve(".cell");
        out.println(cell.name() + ": resolving the Cell " + FrameworkClasspath.version() + " runtime's class path " +
            "for its [build] command");
        out.flush();
        final String runtime = FrameworkClasspath.resolve("cell-runtime", cellDir.resolve("recipe-runtime"), !resolve,
            out);
        final String processor = FrameworkClasspath.resolve("cell-compiler", cellDir.resolve("recipe-processor"),
            !resolve, out);
        final Path log = cellDir.resolve("build.log");
        final long start = System.nanoTime();
        final List<String> notes = new ArrayList<>();
        final int exit = run(dir, recipe.command(), log, sandbox, timeout, Map.of(
            "CELL_CLASSPATH", runtime,
            "CELL_PROCESSOR_PATH", processor,
            "SOURCE_DATE_EPOCH", Long.toString(Instant.parse(SourceBuild.outputTimestamp(commitTime))
                .getEpochSecond()),
            "CELL_OUTPUT_TIMESTAMP", SourceBuild.outputTimestamp(commitTime)), notes);
        if (exit != 0)
        {
            throw new UserError("the [build] command of " + cell.file() + " failed (exit code " + exit + ", " +
                String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9) + "): " +
                String.join(" ", recipe.command()) + "\n--- last lines of " + log + " ---\n" + MavenBuild.tail(log));
        }
        final Path artifact = dir.resolve(recipe.artifact());
        try
        {
            if (!Files.isRegularFile(artifact, LinkOption.NOFOLLOW_LINKS) ||
                !artifact.toRealPath().startsWith(dir.toRealPath()))
            {
                throw new UserError("the [build] command of " + cell.file() + " left no file at build.artifact = \"" +
                    recipe.artifact() + "\" (" + artifact + ")");
            }
            final String genomeName = Genome.RESOURCE_DIR + cell.name().replaceFirst("@[0-9]+$", "") +
                ".genome.json";
            final String genomeJson = genome(artifact, genomeName, cell);
            final Path target = dir.resolve("target");
            dev.cell.runtime.discovery.InstanceRegistry.deleteTree(target);
            Files.createDirectories(target.resolve("classes").resolve(Genome.RESOURCE_DIR));
            Files.writeString(target.resolve("classes").resolve(genomeName), genomeJson);
            Files.writeString(dir.resolve(MavenBuild.CLASSPATH_FILE), runtime);
            final Path jar = target.resolve(artifact.getFileName());
            Files.copy(artifact, jar, StandardCopyOption.COPY_ATTRIBUTES);
            return new SourceBuild.Result(cell, jar, ArtifactStore.sha256Hex(jar), Genome.fromJson(genomeJson),
                notes);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot lay out the artifact of " + cell.name() + " in " + dir, ex);
        }
    }

    private static String genome(final Path jar, final String name, final CellSpec cell) throws IOException
    {
        try (ZipFile zip = new ZipFile(jar.toFile()))
        {
            final ZipEntry e = zip.getEntry(name);
            if (e == null)
            {
                throw new UserError("the artifact " + jar + " of cell '" + cell.name() + "' holds no " + name + ": " +
                    "compile its @Cell class with cell-compiler (javac -processorpath \"$CELL_PROCESSOR_PATH\")");
            }
            try (InputStream in = zip.getInputStream(e))
            {
                final byte[] bytes = in.readNBytes(MAX_GENOME + 1);
                if (bytes.length > MAX_GENOME)
                {
                    throw new UserError(name + " in " + jar + " is over " + MAX_GENOME + " bytes");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
        catch (final java.util.zip.ZipException ex)
        {
            throw new UserError("the artifact " + jar + " of cell '" + cell.name() + "' is not a jar: " +
                ex.getMessage(), ex);
        }
    }

    private static int run(final Path dir, final List<String> recipe, final Path log, final Capsid.Options sandbox,
        final Duration timeout, final Map<String, String> vars, final List<String> notes)
    {
        Capsid capsid = null;
        Process process = null;
        try
        {
            Files.deleteIfExists(log);
            dev.cell.ring.PrivateFiles.ensureFile(log);
            capsid = sandbox == null ? null : Capsid.open(dir, sandbox);
            notes.addAll(capsid == null ? List.of("not sandboxed") : capsid.notes());
            final List<String> command = new ArrayList<>(List.of(SHELL, "-c", "umask 022 && exec \"$@\"", "sh"));
            command.addAll(recipe);
            final ProcessBuilder pb = new ProcessBuilder(capsid == null ? command : capsid.command(command))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            final Map<String, String> env = pb.environment();
            final String javaHome = System.getProperty("java.home");
            env.put("JAVA_HOME", javaHome);
            env.put("PATH", javaHome + "/bin" + File.pathSeparator + env.getOrDefault("PATH", "/usr/bin:/bin"));
            env.putAll(vars);
            if (capsid != null)
            {
                env.putAll(capsid.environment(env));
            }
            process = pb.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly().waitFor();
                return 137;
            }
            return process.exitValue();
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot run the [build] command " + recipe + " in " + dir + ": " + ex.getMessage(),
                ex);
        }
        catch (final InterruptedException ex)
        {
            if (process != null)
            {
                process.destroyForcibly();
            }
            Thread.currentThread().interrupt();
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
}
