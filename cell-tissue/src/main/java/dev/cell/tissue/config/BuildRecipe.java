package dev.cell.tissue.config;

import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code [build]}: how a cell that is not built by Maven is built, for {@code cell release} and {@code cell spawn}.
 * <pre>
 * [build]
 * command = ["sh", "build.sh"]
 * artifact = "out/exchange.jar"
 * </pre>
 * The command runs in the cell's folder, in the same sandbox as a Maven build (offline, writes confined to the
 * folder), with {@code CELL_CLASSPATH} (the Cell runtime's class path to compile against and run with),
 * {@code CELL_PROCESSOR_PATH} (cell-compiler, for {@code javac -processorpath}), {@code SOURCE_DATE_EPOCH} and
 * {@code CELL_OUTPUT_TIMESTAMP} (the commit's time, for reproducible archives) and {@code JAVA_HOME}. It must leave
 * the artifact, a jar holding the cell's classes and the genome cell-compiler wrote
 * ({@code META-INF/cell/<name>.genome.json}), at the path named, inside the folder. Without {@code [build]} a cell
 * is built with Maven.
 *
 * @param command  the program and its arguments.
 * @param artifact the jar it leaves, relative to the cell's folder.
 * @since 0.3
 */
public record BuildRecipe(List<String> command, String artifact)
{
    private static final Set<String> KEYS = Set.of("command", "artifact");
    private static final int MAX_ARGS = 64;
    private static final int MAX_ARG = 4096;

    /**
     * Canonical constructor: copies the command.
     */
    public BuildRecipe
    {
        command = List.copyOf(command);
    }

    /**
     * @param toml a parsed {@code cell.toml}.
     * @param file its path.
     * @return its {@code [build]}, or null when there is none.
     * @throws ConfigError naming the line when it is not valid.
     */
    static BuildRecipe read(final TomlTable toml, final Path file)
    {
        final TomlTable t = CellToml.table(toml, "build", file);
        if (t == null)
        {
            return null;
        }
        CellToml.checkKeys(t, KEYS, file, "build.");
        final Object c = t.get(List.of("command"));
        final List<String> command = new ArrayList<>();
        if (c instanceof TomlArray a)
        {
            for (int i = 0; i < a.size(); i++)
            {
                if (a.get(i) instanceof String s && !s.isEmpty() && s.length() <= MAX_ARG && s.indexOf(0) < 0)
                {
                    command.add(s);
                }
            }
        }
        if (!(c instanceof TomlArray a) || a.isEmpty() || command.size() != a.size() || command.size() > MAX_ARGS)
        {
            throw CellToml.error(file, t, "command", file + ": build.command = " + CellToml.render(c) + " must be " +
                "a list of 1 to " + MAX_ARGS + " non-empty strings, the program and its arguments, e.g. command = " +
                "[\"sh\", \"build.sh\"]" + CellToml.at(t, "command"));
        }
        final Object artifact = t.get(List.of("artifact"));
        final String problem = artifact instanceof String s ? pathProblem(s) : "is missing";
        if (problem != null)
        {
            final String at = artifact == null ? "command" : "artifact"; // a missing key has no line of its own
            throw CellToml.error(file, t, at, file + ": build.artifact " + (artifact == null ? "" : "= " +
                CellToml.render(artifact) + " ") + problem + "; name the jar the command leaves, relative to the " +
                "cell's folder, e.g. artifact = \"out/exchange.jar\"" + CellToml.at(t, at));
        }
        return new BuildRecipe(command, (String)artifact);
    }

    private static String pathProblem(final String s)
    {
        if (!s.endsWith(".jar"))
        {
            return "is not a .jar";
        }
        final Path p;
        try
        {
            p = Path.of(s);
        }
        catch (final java.nio.file.InvalidPathException ex)
        {
            return "is not a path";
        }
        if (p.isAbsolute() || !p.normalize().equals(p) || p.startsWith("..") || p.startsWith(".git") ||
            p.startsWith(".cell") || p.startsWith("target"))
        {
            return "must stay inside the cell's folder, outside .git, .cell and target";
        }
        return null;
    }

    /**
     * @return the recipe as a signed {@code Cell.json} records it.
     */
    public java.util.Map<String, Object> manifest()
    {
        final java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("build", "command");
        m.put("command", command);
        m.put("artifact", artifact);
        return m;
    }
}
