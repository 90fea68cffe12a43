package dev.cell.cli;

import dev.cell.tissue.UserError;
import dev.cell.tissue.config.CellDeps;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code cell add <name> --path <dir> | --git <url> --tag <t>}: declare a cell this one calls, in its
 * {@code cell.toml} {@code [deps]}.
 *
 * @since 0.2
 */
@Command(
    name = "add",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Declare a cell this cell calls: adds (or replaces) its entry in the [deps] table of cell.toml.",
        "An interface annotated @CellRemote(\"<name>\") then gets a typed client generated from that cell's genome, " +
            "resolved from a running instance, else from this source, else from Cell.lock."
    })
final class AddCommand implements Callable<Integer>
{
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The cell's name, e.g. exchange.")
    private String name;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    @Option(names = "--tag", paramLabel = "<tag>", description = "With --git: the tag to build against.")
    private String tag;

    @Option(names = "--subdir", paramLabel = "<dir>", description = "With --git: the cell's folder in the " +
        "repository (default: its root).")
    private String subdir;

    @Option(names = {"-C", "--dir"}, paramLabel = "<dir>", description = "The consumer's folder (default: the " +
        "current one).", defaultValue = ".")
    private Path dir;

    static final class Source
    {
        @Option(names = "--path", paramLabel = "<dir>", description = "The cell's source folder (relative paths " +
            "are kept relative to the consumer's folder).")
        String path;

        @Option(names = "--git", paramLabel = "<url>", description = "A git repository (https, ssh, file://).")
        String git;
    }

    @Override
    public Integer call() throws IOException
    {
        if (!NAME.matcher(name).matches())
        {
            throw new UserError("'" + name + "' is not a cell name: lower case letters, digits and '-', starting " +
                "with a letter");
        }
        final Path root = dir.toAbsolutePath().normalize();
        final Path toml = root.resolve(CellDeps.FILE);
        if (!Files.isRegularFile(toml))
        {
            throw new UserError("no " + toml + ": run `cell add` in a cell's folder (one made by `cell init`), or " +
                "give it with --dir");
        }
        final String entry;
        if (source.path != null)
        {
            if (tag != null || subdir != null)
            {
                throw new UserError("--tag and --subdir go with --git, not --path");
            }
            final Path target = root.resolve(source.path).normalize();
            if (!Files.isDirectory(target))
            {
                throw new UserError("--path " + source.path + ": no folder " + target);
            }
            entry = name + " = { path = \"" + escape(source.path) + "\" }";
        }
        else
        {
            if (tag == null)
            {
                throw new UserError("--git needs --tag <tag>: a consumer builds against a pinned version");
            }
            entry = name + " = { git = \"" + escape(source.git) + "\", tag = \"" + escape(tag) + "\"" +
                (subdir == null ? "" : ", dir = \"" + escape(subdir) + "\"") + " }";
        }
        final List<String> lines = new ArrayList<>(Files.readAllLines(toml, StandardCharsets.UTF_8));
        int deps = -1;
        for (int i = 0; i < lines.size(); i++)
        {
            if (lines.get(i).strip().equals("[deps]"))
            {
                deps = i;
            }
        }
        boolean replaced = false;
        if (deps < 0)
        {
            if (!lines.isEmpty() && !lines.getLast().isBlank())
            {
                lines.add("");
            }
            lines.add("[deps]");
            lines.add(entry);
        }
        else
        {
            int end = deps + 1;
            while (end < lines.size() && !lines.get(end).strip().startsWith("["))
            {
                final String line = lines.get(end).strip();
                if (line.startsWith(name + " ") || line.startsWith(name + "=") || line.startsWith("\"" + name + "\""))
                {
                    lines.set(end, entry);
                    replaced = true;
                }
                end++;
            }
            if (!replaced)
            {
                int at = end;
                while (at > deps + 1 && lines.get(at - 1).isBlank())
                {
                    at--;
                }
                lines.add(at, entry);
            }
        }
        Files.writeString(toml, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        try
        {
            CellDeps.read(root);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError("cell.toml is not valid after the edit: " + ex.getMessage());
        }
        spec.commandLine().getOut().println((replaced ? "replaced" : "added") + " [deps] " + entry + " in " + toml);
        spec.commandLine().getOut().println("use it from an interface annotated @CellRemote(\"" + name + "\"); " +
            "`cell lock` pins its genome in Cell.lock");
        spec.commandLine().getOut().flush();
        return CellCommand.EXIT_OK;
    }

    private static String escape(final String s)
    {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
