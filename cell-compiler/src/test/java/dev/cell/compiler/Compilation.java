package dev.cell.compiler;

import dev.cell.runtime.Cell;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Assertions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Compiles sample cells in-process with {@code javax.tools}, running {@link CellProcessor} from the processor path
 * (found through its {@code META-INF/services} entry, as in a user's build) into a folder under {@code target/}.
 */
final class Compilation
{
    private static final Path ROOT = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"), "compiler");

    private Compilation()
    {
    }

    /**
     * What a compilation produced.
     *
     * @param success     whether javac succeeded.
     * @param diagnostics everything javac reported.
     * @param dir         the compilation's folder (src, generated, classes).
     */
    record Result(boolean success, List<Diagnostic<? extends JavaFileObject>> diagnostics, Path dir)
    {
        Path classes()
        {
            return dir.resolve("classes");
        }

        Path generated()
        {
            return dir.resolve("generated");
        }

        /**
         * @return the diagnostics as text, for assertion messages.
         */
        String report()
        {
            final StringBuilder sb = new StringBuilder();
            for (final Diagnostic<? extends JavaFileObject> d : diagnostics)
            {
                sb.append(d.getKind()).append(' ').append(d.getSource() == null ? "" : d.getSource().getName())
                    .append(':').append(d.getLineNumber()).append(": ").append(d.getMessage(Locale.ROOT))
                    .append('\n');
            }
            return sb.toString();
        }

        /**
         * @param kind a diagnostic kind.
         * @return the diagnostics of that kind.
         */
        List<Diagnostic<? extends JavaFileObject>> of(final Diagnostic.Kind kind)
        {
            return diagnostics.stream().filter(d -> d.getKind() == kind).toList();
        }

        /**
         * @param path a resource path in the class output.
         * @return its text.
         */
        String resource(final String path)
        {
            try
            {
                return Files.readString(classes().resolve(path), StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        /**
         * @param relative a generated source path, such as {@code demo/ExchangeClient.java}.
         * @return its text.
         */
        String generatedSource(final String relative)
        {
            try
            {
                return Files.readString(generated().resolve(relative), StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }

        /**
         * @return a class loader over the compiled classes whose parent is the test's (so the runtime's types are
         * shared with the test).
         */
        URLClassLoader loader()
        {
            try
            {
                return new URLClassLoader(new URL[] {classes().toUri().toURL()}, Compilation.class.getClassLoader());
            }
            catch (final MalformedURLException ex)
            {
                throw new IllegalStateException(ex);
            }
        }

        /**
         * Fail with the diagnostics unless javac succeeded.
         *
         * @return this.
         */
        Result assertSuccess()
        {
            Assertions.assertTrue(success, this::report);
            return this;
        }
    }

    /**
     * Compile sources given as text.
     *
     * @param name    name of the compilation's folder under target/.
     * @param sources relative path to content.
     * @return the result.
     */
    static Result compile(final String name, final Map<String, String> sources)
    {
        final Path dir = fresh(name);
        final Path src = dir.resolve("src");
        final List<Path> files = new ArrayList<>();
        try
        {
            for (final Map.Entry<String, String> e : sources.entrySet())
            {
                final Path file = src.resolve(e.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, e.getValue(), StandardCharsets.UTF_8);
                if (file.toString().endsWith(".java"))
                {
                    files.add(file);
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return run(dir, files);
    }

    /**
     * Compile every .java file under a folder.
     *
     * @param name   name of the compilation's folder under target/.
     * @param folder the sources.
     * @return the result.
     */
    static Result compileFolder(final String name, final Path folder)
    {
        final Path dir = fresh(name);
        try (Stream<Path> walk = Files.walk(folder))
        {
            return run(dir, walk.filter(p -> p.toString().endsWith(".java")).sorted().toList());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static Result run(final Path dir, final List<Path> files)
    {
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        final String classPath = classPath();
        try (StandardJavaFileManager fileManager = javac.getStandardFileManager(
            diagnostics, Locale.ROOT, StandardCharsets.UTF_8))
        {
            Files.createDirectories(dir.resolve("classes"));
            Files.createDirectories(dir.resolve("generated"));
            final List<String> options = List.of(
                "-d", dir.resolve("classes").toString(),
                "-s", dir.resolve("generated").toString(),
                "-classpath", classPath,
                "-processorpath", classPath,
                "-Xlint:all,-processing,-serial",
                "-encoding", "UTF-8");
            final boolean success = javac.getTask(null, fileManager, diagnostics, options, null,
                fileManager.getJavaFileObjectsFromPaths(files)).call();
            return new Result(success, List.copyOf(diagnostics.getDiagnostics()), dir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The test's own class path, built from the code sources of the classes involved so that it works whatever
     * way the test runner builds {@code java.class.path} (surefire may use a manifest-only jar).
     */
    private static String classPath()
    {
        final Set<String> entries = new LinkedHashSet<>();
        for (final Class<?> type : List.of(CellProcessor.class, Cell.class, DirectBuffer.class,
            XmlSchemaParser.class, Assertions.class, Compilation.class))
        {
            try
            {
                entries.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            }
            catch (final URISyntaxException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
        for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        {
            if (!entry.isBlank())
            {
                entries.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static Path fresh(final String name)
    {
        final Path dir = ROOT.resolve(name);
        try
        {
            if (Files.exists(dir))
            {
                try (Stream<Path> walk = Files.walk(dir))
                {
                    for (final Path p : walk.sorted(Comparator.reverseOrder()).toList())
                    {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(dir);
            return dir;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
