package dev.cell.compiler.deps;

import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The dependencies a consumer declares in its {@code cell.toml}:
 * <pre>
 * [cell]
 * name = "trader"
 * offline = false            # true: resolve only from Cell.lock (as does CELL_OFFLINE=1)
 *
 * [deps]
 * exchange = { path = "../exchange" }
 * pricing = { git = "https://example.com/pricing.git", tag = "v1.3.0", dir = "pricing" }
 * </pre>
 * {@code dir} is the cell's folder inside the repository (default: its root).
 *
 * @param root    the consumer's folder.
 * @param offline whether the build may only use the lock.
 * @param deps    dependency name → where its source is.
 * @since 0.2
 */
public record CellDeps(Path root, boolean offline, Map<String, Dep> deps)
{
    /**
     * File name of a cell's configuration.
     */
    public static final String FILE = "cell.toml";

    /**
     * One dependency.
     *
     * @param name its key in {@code [deps]}.
     * @param path a source folder (relative to the consumer's folder), or null.
     * @param git  a git URL, or null.
     * @param tag  the git tag, with {@code git}.
     * @param dir  folder of the cell inside the repository, with {@code git}; "" for its root.
     */
    public record Dep(String name, String path, String git, String tag, String dir)
    {
        /**
         * @return where the source is, for messages and the lock.
         */
        public String describe()
        {
            return path != null ? "path " + path : "git " + git + " tag " + tag + (dir.isEmpty() ? "" : " dir " + dir);
        }
    }

    /**
     * Canonical constructor: copies the map.
     */
    public CellDeps
    {
        deps = Map.copyOf(deps);
    }

    /**
     * @param root a consumer's folder.
     * @return its dependencies; none when it has no {@code cell.toml}.
     * @throws IllegalArgumentException naming the file, the key and the fix when the file is malformed.
     */
    public static CellDeps read(final Path root)
    {
        final Path file = root.resolve(FILE);
        final boolean envOffline = "1".equals(System.getenv("CELL_OFFLINE")) ||
            "true".equalsIgnoreCase(System.getenv("CELL_OFFLINE"));
        if (!Files.isRegularFile(file))
        {
            return new CellDeps(root, envOffline, Map.of());
        }
        final TomlParseResult toml;
        try
        {
            toml = Toml.parse(file);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (toml.hasErrors())
        {
            throw new IllegalArgumentException(file + ": " + toml.errors().getFirst() + " (fix the TOML syntax)");
        }
        boolean offline = envOffline;
        for (final String key : new String[]{"offline", "cell.offline"})
        {
            if (toml.contains(key))
            {
                if (!(toml.get(key) instanceof Boolean b))
                {
                    throw new IllegalArgumentException(file + ": '" + key + "' must be true or false");
                }
                offline |= b;
            }
        }
        final Map<String, Dep> deps = new TreeMap<>();
        final TomlTable table = toml.getTable("deps");
        if (table != null)
        {
            for (final String name : table.keySet())
            {
                if (!(table.get(List.of(name)) instanceof TomlTable dep))
                {
                    throw new IllegalArgumentException(file + ": [deps] " + name + " must be a table, e.g. " +
                        name + " = { path = \"../" + name + "\" } or " + name +
                        " = { git = \"<url>\", tag = \"v1.0.0\" }");
                }
                final String path = dep.getString("path");
                final String git = dep.getString("git");
                final String tag = dep.getString("tag");
                final String dir = dep.getString("dir");
                if ((path == null) == (git == null))
                {
                    throw new IllegalArgumentException(file + ": [deps] " + name + " needs exactly one of 'path' " +
                        "or 'git'");
                }
                if (git != null && tag == null)
                {
                    throw new IllegalArgumentException(file + ": [deps] " + name + " has 'git' but no 'tag': pin a " +
                        "tag, e.g. tag = \"v1.0.0\"");
                }
                deps.put(name, new Dep(name, path, git, tag, dir == null ? "" : dir));
            }
        }
        return new CellDeps(root, offline, deps);
    }
}
