package dev.cell.cli;

import dev.cell.tissue.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code cell init <name>}: scaffold a standalone Maven project with one cell (a handler taking and returning
 * records, a declared error, a plain JUnit test) that builds, tests and runs as is.
 *
 * @since 0.1
 */
@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Create a new cell project in <parent>/<name>: pom.xml (depends on cell-runtime, runs cell-compiler), " +
            "cell.toml, a @Cell class with a handler and a declared error, and a JUnit test.",
        "Refuses to write into an existing folder."
    })
final class InitCommand implements Callable<Integer>
{
    private static final Pattern CELL_NAME = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Pattern PACKAGE =
        Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Set<String> TEMPLATE_CLASSES = Set.of("GreetRequest", "Greeting", "InvalidName");

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>",
        description = "The cell's name: lower case letters, digits and '-', starting with a letter.")
    private String name;

    @Option(names = "--dir", paramLabel = "<parent>", defaultValue = ".",
        description = "Where to create the <name> folder (default: the current folder).")
    private Path parent;

    @Option(names = "--package", paramLabel = "<pkg>",
        description = "Java package of the cell's classes (default: dev.cell.app.<name without '-'>).")
    private String javaPackage;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (!CELL_NAME.matcher(name).matches() || name.endsWith("-"))
        {
            throw new UserError("'" + name + "' is not a cell name: use lower case letters, digits and '-', " +
                "starting with a letter, e.g. cell init order-book");
        }
        final String pkg = javaPackage != null ? javaPackage : "dev.cell.app." + name.replace("-", "");
        if (!PACKAGE.matcher(pkg).matches())
        {
            throw new UserError("--package '" + pkg + "' is not a Java package name, e.g. com.example.orders");
        }
        final Path dir = parent.toAbsolutePath().normalize().resolve(name);
        if (Files.exists(dir))
        {
            throw new UserError(dir + " already exists; cell init does not overwrite: choose another name or " +
                "--dir, or remove it");
        }
        final Map<String, String> files = InitTemplates.files(name, pkg, className(name), "dev.cell.app",
            CellVersion.version());
        try
        {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir);
            for (final Map.Entry<String, String> f : files.entrySet())
            {
                final Path file = dir.resolve(f.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the project into " + dir, ex);
        }
        out.println("created cell '" + name + "' in " + dir + ":");
        files.keySet().forEach(f -> out.println("  " + f));
        out.println();
        out.println("next:");
        out.println("  cd " + dir);
        out.println("  mvn test                                   # unit tests of the handler");
        out.println("  cell mitosis .                             # build and start it");
        out.println("  cell call " + name + " greet '{\"name\":\"Ada\"}'");
        out.flush();
        return CellCommand.EXIT_OK;
    }

    /**
     * @param cellName a cell name, e.g. {@code order-book}.
     * @return its class name, e.g. {@code OrderBook}; suffixed with {@code Cell} when it would clash with a
     * template class or is not a valid identifier start.
     */
    static String className(final String cellName)
    {
        final StringBuilder sb = new StringBuilder();
        for (final String part : cellName.split("-"))
        {
            if (!part.isEmpty())
            {
                sb.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
            }
        }
        final String base = sb.toString();
        return TEMPLATE_CLASSES.contains(base) ? base + "Cell" : base;
    }
}
