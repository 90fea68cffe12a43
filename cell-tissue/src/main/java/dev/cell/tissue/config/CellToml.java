package dev.cell.tissue.config;

import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The one place that parses TOML ({@code cell.toml}, {@code Cell.lock}) and the helpers every table's reader uses:
 * typed lookups whose errors are {@link ConfigError}s naming the file, the key and the line.
 */
final class CellToml
{
    private CellToml()
    {
    }

    static TomlParseResult parse(final Path file, final String hint)
    {
        if (!Files.isRegularFile(file))
        {
            throw new ConfigError(file, 0, "no " + file.getFileName() + " in " + file.getParent() +
                (hint.isEmpty() ? "" : ": " + hint));
        }
        final TomlParseResult toml;
        try
        {
            toml = Toml.parse(file);
        }
        catch (final IOException ex)
        {
            throw new ConfigError(file, 0, "cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (toml.hasErrors())
        {
            final List<ConfigError.Problem> problems = new ArrayList<>();
            for (final TomlParseError e : toml.errors())
            {
                problems.add(new ConfigError.Problem(file, e.position().line(), file + " is not valid TOML: line " +
                    e.position().line() + ", column " + e.position().column() + ": " + e.getMessage()));
            }
            throw new ConfigError(problems);
        }
        return toml;
    }

    static TomlTable table(final TomlTable toml, final String key, final Path file)
    {
        final Object value = toml.get(List.of(key));
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof TomlTable t))
        {
            throw new ConfigError(file, line(toml, key), file + ": '" + key + "' must be a table ([" + key + "])" +
                at(toml, key));
        }
        return t;
    }

    static void checkKeys(final TomlTable table, final Set<String> allowed, final Path file, final String prefix)
    {
        for (final String key : table.keySet())
        {
            if (!allowed.contains(key))
            {
                throw new ConfigError(file, line(table, key), file + ": unknown key '" + prefix + key + "'" +
                    at(table, key) + "; allowed here: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    static int line(final TomlTable table, final String key)
    {
        final TomlPosition p = table.inputPositionOf(List.of(key));
        return p == null ? 0 : p.line();
    }

    static String at(final TomlTable table, final String key)
    {
        final int line = line(table, key);
        return line == 0 ? "" : " (line " + line + ")";
    }

    static String render(final Object value)
    {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    static ConfigError error(final Path file, final TomlTable table, final String key, final String message)
    {
        return new ConfigError(file, table == null ? 0 : line(table, key), message);
    }
}
