package dev.cell.compiler.deps;

import dev.cell.compiler.CellProcessor;
import dev.cell.runtime.Cell;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;

import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Derives a producer's genome from its sources without building it: {@code javac} runs in this process with
 * {@code -proc:only} and {@link CellProcessor} in genome-only mode, so nothing is compiled, nothing is written into
 * the producer's tree, and the producer's own dependencies need not be present (only its {@code @Cell} handlers'
 * types must resolve). A git source is cloned at its tag with JGit into a temporary folder first.
 *
 * @since 0.2
 */
public final class SourceGenomes
{
    private SourceGenomes()
    {
    }

    /**
     * @param dir  a producer's folder (its {@code src/main/java} is read when present, else the whole folder).
     * @param cell the served name wanted ({@code exchange}, {@code exchange@2}); its plain name selects the cell when
     *             the sources hold several.
     * @return the genome.
     * @throws IllegalArgumentException when the folder holds no such cell or its sources do not yield a genome.
     */
    public static Genome fromDirectory(final Path dir, final String cell)
    {
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException("source folder " + dir + " does not exist");
        }
        final Path sources = Files.isDirectory(dir.resolve("src/main/java")) ? dir.resolve("src/main/java") : dir;
        final List<File> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(sources))
        {
            walk.filter(p -> p.toString().endsWith(".java") && !inBuildOutput(sources.relativize(p)) &&
                Files.isRegularFile(p)).forEach(p -> files.add(p.toFile()));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot list the sources under " + sources + ": " + ex.getMessage(), ex);
        }
        if (files.isEmpty())
        {
            throw new IllegalArgumentException("no .java files under " + sources);
        }
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null)
        {
            throw new IllegalArgumentException("no Java compiler in this JVM (a JRE?): run the build on a JDK");
        }
        final Path out;
        try
        {
            out = Files.createTempDirectory("cell-genome-");
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot create a temporary folder: " + ex.getMessage(), ex);
        }
        try
        {
            final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
            final StringWriter output = new StringWriter();
            try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8))
            {
                final List<String> options = List.of("-proc:only", "-implicit:none", "-nowarn", "-Xlint:none",
                    "-classpath", runtimeClassPath(), "-d", out.toString(), "-s", out.toString());
                final JavaCompiler.CompilationTask task = javac.getTask(output, fm, diagnostics, options, null,
                    fm.getJavaFileObjectsFromFiles(files));
                task.setProcessors(List.of(new CellProcessor(out)));
                task.call();
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("javac failed on " + sources + ": " + ex.getMessage(), ex);
            }
            final String plain = cell.contains("@") ? cell.substring(0, cell.indexOf('@')) : cell;
            final Path genomeFile = out.resolve(plain + ".genome.json");
            if (!Files.isRegularFile(genomeFile))
            {
                final StringBuilder why = new StringBuilder();
                diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR).limit(5)
                    .forEach(d -> why.append("\n  ").append(d.getSource() == null ? "" :
                        Path.of(d.getSource().toUri()).getFileName() + ":" + d.getLineNumber() + ": ")
                        .append(d.getMessage(null)));
                throw new IllegalArgumentException("the sources under " + sources + " define no @Cell(\"" + plain +
                    "\")" + (why.isEmpty() ? "" : "; javac said:" + why));
            }
            return Genome.fromJson(Files.readString(genomeFile));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read the derived genome: " + ex.getMessage(), ex);
        }
        finally
        {
            InstanceRegistry.deleteTree(out);
        }
    }

    /**
     * Clone a repository at a tag (no checkout of anything else) and derive the genome from it.
     *
     * @param url  the repository URL ({@code file://}, a local path, https...).
     * @param tag  the tag.
     * @param dir  the cell's folder inside the repository, "" for its root.
     * @param cell the served name wanted.
     * @return the genome.
     * @throws IllegalArgumentException when the clone fails, the tag does not exist or no genome comes out.
     */
    public static Genome fromGit(final String url, final String tag, final String dir, final String cell)
    {
        final Path clone;
        try
        {
            clone = Files.createTempDirectory("cell-git-");
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot create a temporary folder: " + ex.getMessage(), ex);
        }
        try
        {
            try (Git ignored = Git.cloneRepository().setURI(url).setDirectory(clone.toFile())
                .setBranch("refs/tags/" + tag).setCloneAllBranches(false).call())
            {
                if (!Files.exists(clone.resolve(dir.isEmpty() ? "." : dir)))
                {
                    throw new IllegalArgumentException("git " + url + " tag " + tag + " has no folder '" + dir + "'");
                }
            }
            catch (final GitAPIException | RuntimeException ex)
            {
                if (ex instanceof IllegalArgumentException iae && iae.getMessage().startsWith("git "))
                {
                    throw iae;
                }
                throw new IllegalArgumentException("cannot clone " + url + " at tag " + tag + ": " + ex.getMessage() +
                    " (check the URL and that the tag exists: git ls-remote --tags " + url + ")", ex);
            }
            return fromDirectory(dir.isEmpty() ? clone : clone.resolve(dir), cell);
        }
        finally
        {
            InstanceRegistry.deleteTree(clone);
        }
    }

    private static boolean inBuildOutput(final Path relative)
    {
        for (final Path segment : relative)
        {
            final String s = segment.toString();
            if (s.equals("target") || s.equals(".cell") || s.equals(".git"))
            {
                return true;
            }
        }
        return false;
    }

    private static String runtimeClassPath()
    {
        final List<String> entries = new ArrayList<>();
        for (final Class<?> type : new Class<?>[]{Cell.class})
        {
            try
            {
                entries.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            }
            catch (final URISyntaxException | RuntimeException ex)
            {
                throw new IllegalStateException("cannot locate " + type.getName() + "'s jar: " + ex.getMessage(), ex);
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
