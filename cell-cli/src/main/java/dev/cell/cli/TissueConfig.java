package dev.cell.cli;

import dev.cell.runtime.IdleProfile;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What {@code cell mitosis <dir>} starts, read from {@code <dir>/cell.toml} and validated before anything runs.
 * <p>
 * A <b>tissue</b> file lists cells under {@code [cells]}; each entry's {@code path} is relative to the file and
 * names a cell folder; {@code replicas} (default 1, at most {@value #MAX_REPLICAS}) is how many instances to start.
 * An optional {@code [tissue]} table may name the tissue:
 * <pre>
 * [tissue]
 * name = "trading"
 *
 * [cells]
 * exchange = { path = "exchange", replicas = 1 }
 * trader = { path = "trader" }
 * </pre>
 * A <b>cell</b> folder has its own {@code cell.toml} with a {@code [cell]} table: {@code name} (lower case letters,
 * digits and '-', the {@code @Cell} name) and optional {@code latency}: {@code "eco"} (default; sleeps when idle)
 * or {@code "spin"} (busy-spins one core):
 * <pre>
 * [cell]
 * name = "exchange"
 * latency = "spin"
 * </pre>
 * A folder whose {@code cell.toml} has {@code [cell]} and no {@code [cells]} is a tissue of that one cell, so
 * {@code cell mitosis .} works inside a project made by {@code cell init}.
 * <p>
 * Errors name the file and the key: unknown keys, a path that is not a folder, a folder without {@code cell.toml},
 * two entries starting the same cell, replicas out of range, an unknown latency.
 *
 * @param file  the {@code cell.toml} read.
 * @param root  its folder.
 * @param name  the tissue's name ({@code [tissue] name}, else the cell's name, else the folder's name).
 * @param cells the cells to start, in file order.
 * @since 0.1
 */
public record TissueConfig(Path file, Path root, String name, List<CellSpec> cells)
{
    /**
     * File name of tissue and cell configurations.
     */
    public static final String FILE_NAME = "cell.toml";

    /**
     * Most replicas one entry may ask for.
     */
    public static final int MAX_REPLICAS = 64;

    // name@major: a cell from major version 2 on serves under that name, side by side with the earlier major.
    private static final Pattern CELL_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*(@[1-9][0-9]*)?");
    // deps, offline: the cells this one calls (@CellRemote, read by cell-compiler and `cell lock`).
    private static final Set<String> TOP_LEVEL_KEYS = Set.of("cell", "cells", "tissue", "deps", "offline", "state");
    private static final Set<String> CELL_KEYS = Set.of("name", "latency", "offline");
    private static final Set<String> ENTRY_KEYS = Set.of("path", "replicas");
    private static final Set<String> TISSUE_KEYS = Set.of("name");

    /**
     * One cell to start.
     *
     * @param name     the cell's name, from its {@code [cell] name}.
     * @param dir      the cell's folder (absolute, normalized).
     * @param file     the cell's {@code cell.toml}.
     * @param replicas how many instances to start.
     * @param latency  the instances' idle profile.
     */
    public record CellSpec(String name, Path dir, Path file, int replicas, IdleProfile latency)
    {
        /**
         * @return the latency as written in {@code cell.toml} and passed to the instance ({@code eco}, {@code spin}).
         */
        public String latencyName()
        {
            return latency.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * Read and validate the configuration of a folder (or of a {@code cell.toml} path).
     *
     * @param dirOrFile a tissue or cell folder, or its {@code cell.toml}.
     * @return the validated configuration.
     * @throws UserError naming the file and key at fault and what to do.
     */
    public static TissueConfig load(final Path dirOrFile)
    {
        final Path given = dirOrFile.toAbsolutePath().normalize();
        final Path root = Files.isRegularFile(given) ? given.getParent() : given;
        if (!Files.isDirectory(root))
        {
            throw new UserError(given + " is not a folder: point cell at a folder with a " + FILE_NAME +
                " (a tissue with [cells], or a cell with [cell])");
        }
        final Path file = root.resolve(FILE_NAME);
        final TomlParseResult toml = parse(file, "run `cell init <name>` to create a cell, or point at a folder " +
            "with a " + FILE_NAME);
        checkKeys(toml, TOP_LEVEL_KEYS, file, "");
        final TomlTable cellsTable = table(toml, "cells", file);
        final TomlTable cellTable = table(toml, "cell", file);
        if (cellsTable != null && cellTable != null)
        {
            throw new UserError(file + ": has both [cell] and [cells]; a folder is either one cell ([cell]) or a " +
                "tissue listing cells ([cells]) — move the cell into its own folder");
        }
        final String tissueName = tissueName(toml, file);
        if (cellsTable != null)
        {
            return new TissueConfig(file, root, tissueName != null ? tissueName : root.getFileName().toString(),
                tissueCells(cellsTable, file, root));
        }
        if (cellTable != null)
        {
            final CellSpec cell = cell(cellTable, root, file, stateReplicas(toml, file, 1));
            return new TissueConfig(file, root, tissueName != null ? tissueName : cell.name(), List.of(cell));
        }
        throw new UserError(file + ": has neither a [cell] table (a cell: name = \"...\") nor a [cells] table " +
            "(a tissue: <name> = { path = \"...\" }); see `cell mitosis --help`");
    }

    /**
     * Read and validate a single cell folder's {@code cell.toml}.
     *
     * @param cellDir a cell folder.
     * @return the cell (one replica).
     * @throws UserError when the folder holds no valid cell configuration.
     */
    public static CellSpec loadCell(final Path cellDir)
    {
        final Path root = cellDir.toAbsolutePath().normalize();
        final Path file = root.resolve(FILE_NAME);
        final TomlParseResult toml = parse(file, "a cell folder needs a " + FILE_NAME + " with [cell] name = \"...\"");
        final TomlTable cellTable = table(toml, "cell", file);
        if (cellTable == null)
        {
            throw new UserError(file + ": has no [cell] table; a cell folder's " + FILE_NAME +
                " needs [cell] name = \"<cell name>\"");
        }
        return cell(cellTable, root, file, 1);
    }

    private static List<CellSpec> tissueCells(final TomlTable cells, final Path file, final Path root)
    {
        if (cells.isEmpty())
        {
            throw new UserError(file + ": [cells] is empty; list at least one cell, e.g. " +
                "exchange = { path = \"exchange\", replicas = 1 }");
        }
        final List<CellSpec> specs = new ArrayList<>();
        final Map<String, String> keyByName = new LinkedHashMap<>();
        for (final String key : cells.keySet())
        {
            final String where = file + ": cells." + key;
            final Object value = cells.get(List.of(key));
            if (!(value instanceof TomlTable entry))
            {
                throw new UserError(where + " must be a table like { path = \"" + key + "\", replicas = 1 }" +
                    at(cells, key));
            }
            checkKeys(entry, ENTRY_KEYS, file, "cells." + key + ".");
            final Object path = entry.get(List.of("path"));
            if (!(path instanceof String p) || p.isBlank())
            {
                throw new UserError(where + ".path is " + (path == null ? "missing" : "not a string") +
                    "; give the cell's folder relative to " + root + ", e.g. path = \"" + key + "\"" +
                    at(cells, key));
            }
            final Path dir = root.resolve(p).normalize();
            if (!Files.isDirectory(dir))
            {
                throw new UserError(where + ".path = \"" + p + "\": no such folder " + dir + at(cells, key));
            }
            if (!Files.isRegularFile(dir.resolve(FILE_NAME)))
            {
                throw new UserError(where + ".path = \"" + p + "\": " + dir + " has no " + FILE_NAME + "; a cell " +
                    "folder needs one with [cell] name = \"" + key + "\"" + at(cells, key));
            }
            final int replicas = replicas(entry, where, cells, key);
            final CellSpec cell = loadCellWithReplicas(dir, replicas);
            final String previous = keyByName.putIfAbsent(cell.name(), key);
            if (previous != null)
            {
                throw new UserError(file + ": cells." + previous + " and cells." + key + " both start cell '" +
                    cell.name() + "'; list each cell once and use replicas = N for more instances");
            }
            specs.add(cell);
        }
        return List.copyOf(specs);
    }

    private static CellSpec loadCellWithReplicas(final Path dir, final int replicas)
    {
        final Path file = dir.resolve(FILE_NAME);
        final TomlParseResult toml = parse(file, "");
        final TomlTable cellTable = table(toml, "cell", file);
        if (cellTable == null)
        {
            throw new UserError(file + ": has no [cell] table; a cell folder's " + FILE_NAME +
                " needs [cell] name = \"<cell name>\"" + (toml.contains("cells") ?
                " (it lists [cells]: nested tissues are not supported; list those cells in the top tissue)" : ""));
        }
        return cell(cellTable, dir, file, replicas > 0 ? replicas : stateReplicas(toml, file, 1));
    }

    /**
     * A stateful cell's {@code [state] replicas = N} (default 3 when the table is there): how many replicas of its
     * Raft group to start when nothing else says.
     */
    static int stateReplicas(final TomlTable toml, final Path file, final int otherwise)
    {
        final TomlTable state = table(toml, "state", file);
        if (state == null)
        {
            return otherwise;
        }
        checkKeys(state, Set.of("replicas"), file, "state.");
        final Object value = state.get(List.of("replicas"));
        if (value == null)
        {
            return 3;
        }
        if (!(value instanceof Long n) || n < 1 || n > 9)
        {
            throw new UserError(file + ": state.replicas = " + render(value) + ": must be a whole number from 1 to " +
                "9 (3 or 5 replicas tolerate 1 or 2 failed ones)" + at(state, "replicas"));
        }
        return n.intValue();
    }

    private static int replicas(final TomlTable entry, final String where, final TomlTable cells, final String key)
    {
        final Object value = entry.get(List.of("replicas"));
        if (value == null)
        {
            return 0;
        }
        if (!(value instanceof Long n) || n < 1 || n > MAX_REPLICAS)
        {
            throw new UserError(where + ".replicas = " + value + ": must be a whole number from 1 to " +
                MAX_REPLICAS + at(cells, key));
        }
        return n.intValue();
    }

    static CellSpec cell(final TomlTable cell, final Path dir, final Path file, final int replicas)
    {
        checkKeys(cell, CELL_KEYS, file, "cell.");
        final Object name = cell.get(List.of("name"));
        if (!(name instanceof String n) || !CELL_NAME.matcher(n).matches())
        {
            throw new UserError(file + ": cell.name " + (name == null ? "is missing" : "= " + render(name) +
                " is not a cell name") + "; use the @Cell name: lower case letters, digits and '-', e.g. " +
                "name = \"exchange\" (from major version 2 on \"exchange@2\")" + at(cell, "name"));
        }
        final Object latency = cell.get(List.of("latency"));
        IdleProfile profile = IdleProfile.ECO;
        if (latency != null)
        {
            if (!(latency instanceof String l) || !("eco".equals(l) || "spin".equals(l)))
            {
                throw new UserError(file + ": cell.latency = " + render(latency) + " is not a latency profile; " +
                    "use \"eco\" (default, sleeps when idle) or \"spin\" (busy-spins one core)" +
                    at(cell, "latency"));
            }
            profile = IdleProfile.parse(l);
        }
        return new CellSpec(n, dir, file, replicas, profile);
    }

    static String tissueName(final TomlParseResult toml, final Path file)
    {
        final TomlTable tissue = table(toml, "tissue", file);
        if (tissue == null)
        {
            return null;
        }
        checkKeys(tissue, TISSUE_KEYS, file, "tissue.");
        final Object name = tissue.get(List.of("name"));
        if (name != null && !(name instanceof String))
        {
            throw new UserError(file + ": tissue.name = " + render(name) + " must be a string" +
                at(tissue, "name"));
        }
        return (String)name;
    }

    static TomlParseResult parse(final Path file, final String hint)
    {
        if (!Files.isRegularFile(file))
        {
            throw new UserError("no " + FILE_NAME + " in " + file.getParent() + (hint.isEmpty() ? "" : ": " + hint));
        }
        final TomlParseResult toml;
        try
        {
            toml = Toml.parse(file);
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (toml.hasErrors())
        {
            final StringBuilder sb = new StringBuilder(file + " is not valid TOML:");
            for (final TomlParseError e : toml.errors())
            {
                sb.append("\n  line ").append(e.position().line()).append(", column ")
                    .append(e.position().column()).append(": ").append(e.getMessage());
            }
            throw new UserError(sb.toString());
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
            throw new UserError(file + ": '" + key + "' must be a table ([" + key + "])" + at(toml, key));
        }
        return t;
    }

    static void checkKeys(final TomlTable table, final Set<String> allowed, final Path file,
        final String prefix)
    {
        for (final String key : table.keySet())
        {
            if (!allowed.contains(key))
            {
                throw new UserError(file + ": unknown key '" + prefix + key + "'" + at(table, key) +
                    "; allowed here: " + String.join(", ", allowed.stream().sorted().toList()));
            }
        }
    }

    static String at(final TomlTable table, final String key)
    {
        final TomlPosition p = table.inputPositionOf(List.of(key));
        return p == null ? "" : " (line " + p.line() + ")";
    }

    static String render(final Object value)
    {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }
}
