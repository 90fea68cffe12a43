package dev.cell.tissue.config;

import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tissue as a tree: a folder's {@code cell.toml} may have a {@code [cell]} (this folder is a runnable cell), a
 * {@code [cells]} table naming children (folders with their own {@code cell.toml}, which may list children in turn),
 * {@code [resources]}, {@code [life_cycle]} and {@code [observe]} (inherited by the cells below, see
 * {@link ObserveConfig}; a cell's own {@code [state]}, {@code [deps]}, {@code [axon]} and {@code [auth]} are read
 * with it, see {@link TissueConfig}, {@link CellDeps}, {@link AxonConfig}):
 * <pre>
 * [cell]                       # optional: this folder is a cell too (it starts after its children are ready)
 * name = "gateway"
 *
 * [cells]
 * orders = { path = "orders", replicas = 2, depends_on = ["store"] }
 * store = { path = "store" }   # a folder whose own cell.toml lists more cells
 *
 * [resources]                  # a cell's: per instance; a folder without [cell]: the budget of all under it
 * cpu = { min = 0.5, max = 2 }
 * memory = { min = "64m", max = "512m" }
 *
 * [life_cycle]
 * idle_timeout = "30s"
 *
 * [tissue]                     # the top file only: the tissue's name and its supervisor's scrape endpoint
 * name = "shop"
 * metrics = "127.0.0.1:9400"   # default "127.0.0.1:0" (any free port); "off"; see MetricsListen
 * </pre>
 * Everything is checked before anything is built or started, and every problem found is reported at once with its
 * {@code cell.toml} and line: dependency cycles (the cycle printed), paths that are not cell folders, two folders
 * naming the same cell, and children whose resources add up to more than their parent's.
 * <p>
 * A folder listed by two parents is one cell: it is built once and its instances started once.
 *
 * @param root    the top node.
 * @param cells   every runnable cell, children before parents (the start order; stop is the reverse).
 * @param metrics where the supervisor serves the Prometheus scrape endpoint (the top file's {@code metrics}).
 * @since 0.1
 */
public record TissueTree(Node root, List<Node> cells, MetricsListen metrics)
{
    private static final Set<String> TOP_LEVEL_KEYS = Set.of("cell", "cells", "tissue", "resources", "life_cycle",
        "state", "deps", "offline", "axon", "auth", "observe", "build");
    private static final Set<String> ENTRY_KEYS = Set.of("path", "replicas", "depends_on");

    /**
     * One folder of the tree.
     *
     * @param name      the node's name: its cell's name, else the {@code [tissue] name}, else the folder's name.
     * @param dir       its folder (absolute, normalized).
     * @param file      its {@code cell.toml}.
     * @param cell      the cell it runs, or null for a folder that only groups children.
     * @param replicas  instances of the cell (from the parent's entry; 1 at the top).
     * @param dependsOn names of cells this one waits for (its entry's {@code depends_on}).
     * @param resources its {@code [resources]}.
     * @param lifeCycle its {@code [life_cycle]}.
     * @param children  its children, in file order.
     * @param entryLine line of its entry in the parent's {@code cell.toml} (0 at the top).
     * @param entryFile the parent's {@code cell.toml} (null at the top).
     */
    public record Node(String name, Path dir, Path file, CellSpec cell, int replicas, List<String> dependsOn,
        Resources resources, LifeCycle lifeCycle, List<Node> children, int entryLine, Path entryFile)
    {
        /**
         * @return where this node is listed: {@code parent/cell.toml:line}, or its own file at the top.
         */
        public String where()
        {
            return entryFile == null ? file.toString() : entryFile + ":" + entryLine;
        }
    }

    /**
     * A tree with the default scrape endpoint.
     *
     * @param root  the top node.
     * @param cells every runnable cell, children first.
     */
    public TissueTree(final Node root, final List<Node> cells)
    {
        this(root, cells, MetricsListen.DEFAULT);
    }

    /**
     * @return the tissue's name.
     */
    public String name()
    {
        return root.name();
    }

    /**
     * @return the flat view: every runnable cell with its replicas, children first.
     */
    public TissueConfig config()
    {
        return new TissueConfig(root.file(), root.dir(), root.name(), cells.stream().map(Node::cell).toList());
    }

    /**
     * @param name a cell's name.
     * @return its node, or null.
     */
    public Node node(final String name)
    {
        for (final Node n : cells)
        {
            if (n.cell().name().equals(name))
            {
                return n;
            }
        }
        return null;
    }

    /**
     * @param node a runnable cell.
     * @return the cells it waits for before it starts: its runnable children (and theirs, through folders that only
     * group cells) and the cells it names in {@code depends_on}.
     */
    public List<Node> dependencies(final Node node)
    {
        final List<Node> deps = new ArrayList<>();
        collectRunnable(node.children(), deps);
        for (final String d : node.dependsOn())
        {
            final Node n = node(d);
            if (n != null && !deps.contains(n))
            {
                deps.add(n);
            }
        }
        return deps;
    }

    private static void collectRunnable(final List<Node> children, final List<Node> into)
    {
        for (final Node c : children)
        {
            if (c.cell() != null)
            {
                if (!into.contains(c))
                {
                    into.add(c);
                }
            }
            else
            {
                collectRunnable(c.children(), into);
            }
        }
    }

    /**
     * Check that the tree's resource budgets still hold with some cells at other replica counts: what a supervisor
     * asks before it scales a cell from code, so a scale is refused exactly as the same replicas in
     * {@code cell.toml} would be.
     *
     * @param replicas cell name → instances it would run (cells not named keep theirs).
     * @throws ConfigError naming the budget's {@code cell.toml} and line and what asks for more.
     */
    public void checkReplicas(final Map<String, Integer> replicas)
    {
        final Loader loader = new Loader();
        loader.checkResources(root, new java.util.HashSet<>(), replicas);
        if (!loader.problems.isEmpty())
        {
            throw new ConfigError(loader.problems);
        }
    }

    /**
     * Read and check a tissue tree.
     *
     * @param dirOrFile the top folder, or its {@code cell.toml}.
     * @return the tree.
     * @throws UserError listing every problem found, each with its file and line.
     */
    public static TissueTree load(final Path dirOrFile)
    {
        final Path given = dirOrFile.toAbsolutePath().normalize();
        final Path dir = Files.isRegularFile(given) ? given.getParent() : given;
        if (!Files.isDirectory(dir))
        {
            throw new ConfigError(given, 0, given + " is not a folder: point cell at a folder with a " +
                TissueConfig.FILE_NAME +
                " (a tissue with [cells], or a cell with [cell])");
        }
        final Loader loader = new Loader();
        final Node root = loader.load(dir, 0, null, 0, null, true, ObserveConfig.NONE);
        if (!loader.problems.isEmpty())
        {
            throw new ConfigError(loader.problems);
        }
        final List<Node> order = new ArrayList<>();
        loader.postOrder(root, order, new java.util.HashSet<>());
        final TissueTree tree = new TissueTree(root, List.copyOf(order),
            loader.metrics == null ? MetricsListen.DEFAULT : loader.metrics);
        loader.checkNames(tree);
        loader.checkDependencies(tree);
        loader.checkResources(root, new java.util.HashSet<>(), Map.of());
        if (!loader.problems.isEmpty())
        {
            throw new ConfigError(loader.problems);
        }
        if (order.isEmpty())
        {
            throw new ConfigError(root.file(), 0, root.file() +
                ": no cell to start: neither this folder nor any folder under its " +
                "[cells] has a [cell] table");
        }
        return tree;
    }

    private static final class Loader
    {
        private final List<ConfigError.Problem> problems = new ArrayList<>();
        private final Map<Path, Node> loaded = new HashMap<>();
        private final Deque<Path> loading = new ArrayDeque<>();
        private MetricsListen metrics;

        /**
         * @param entryReplicas as the parent's entry says, or 0 when it does not: then a stateful cell's
         *                 {@code [state] replicas} (3 when the table is there), else 1.
         */
        Node load(final Path dir, final int entryReplicas, final List<String> dependsOn, final int entryLine,
            final Path entryFile, final boolean top, final ObserveConfig above)
        {
            final Path key = real(dir);
            final Node already = loaded.get(key);
            if (already != null)
            {
                if (entryReplicas > 0 && already.replicas() != entryReplicas)
                {
                    problems.add(new ConfigError.Problem(entryFile, entryLine, entryFile + ":" + entryLine + ": " +
                        dir + " is also listed at " + already.where() +
                        " with replicas = " + already.replicas() + "; a folder listed twice is one cell, give it " +
                        "the same replicas in both places"));
                }
                return already;
            }
            if (loading.contains(key))
            {
                final List<String> cycle = new ArrayList<>();
                boolean in = false;
                for (final java.util.Iterator<Path> it = loading.descendingIterator(); it.hasNext(); )
                {
                    final Path p = it.next();
                    in |= p.equals(key);
                    if (in)
                    {
                        cycle.add(p.resolve(TissueConfig.FILE_NAME).toString());
                    }
                }
                cycle.add(key.resolve(TissueConfig.FILE_NAME).toString());
                problems.add(new ConfigError.Problem(entryFile, entryLine, entryFile + ":" + entryLine +
                    ": cycle in [cells] paths: " + String.join(" -> ", cycle) +
                    "; a folder cannot contain itself"));
                return null;
            }
            final Path file = dir.resolve(TissueConfig.FILE_NAME);
            final TomlParseResult toml = CellToml.parse(file, top ? "run `cell init <name>` to create a cell, " +
                "or point at a folder with a " + TissueConfig.FILE_NAME : "");
            CellToml.checkKeys(toml, TOP_LEVEL_KEYS, file, "");
            final int stateReplicas = TissueConfig.stateReplicas(toml, file);
            final int replicas = entryReplicas > 0 ? entryReplicas : TissueConfig.instances(toml, file,
                stateReplicas);
            final TomlTable cellsTable = CellToml.table(toml, "cells", file);
            final TomlTable cellTable = CellToml.table(toml, "cell", file);
            if (cellsTable == null && cellTable == null)
            {
                throw new ConfigError(file, 0, file +
                    ": has neither a [cell] table (a cell: name = \"...\") nor a [cells] " +
                    "table (a tissue: <name> = { path = \"...\" }); see `cell mitosis --help`");
            }
            final CellSpec bare = cellTable == null ? null : TissueConfig.cell(cellTable, dir, file, replicas,
                stateReplicas);
            final String tissueName = TissueConfig.tissueName(toml, file);
            final MetricsListen metricsListen = MetricsListen.read(CellToml.table(toml, "tissue", file), cellTable,
                file);
            if (top)
            {
                metrics = metricsListen;
            }
            final Resources resources = Resources.parse(CellToml.table(toml, "resources", file), file);
            final LifeCycle lifeCycle = LifeCycle.parse(CellToml.table(toml, "life_cycle", file), file);
            // [deps] and offline are checked here too, not only by the build
            final AxonConfig axon = AxonConfig.read(toml, file, dir, CellDeps.from(toml, file, dir));
            final String cellOnly = toml.contains("axon") ? "axon" : toml.contains("auth") ? "auth" :
                toml.contains("build") ? "build" : null;
            if (bare == null && cellOnly != null)
            {
                throw CellToml.error(file, toml, cellOnly, file + ": [" + cellOnly + "] is a cell's setting, but " +
                    "this file has no [cell] table; move it to the cell.toml of the cell it is for" +
                    CellToml.at(toml, cellOnly));
            }
            final ObserveConfig observe = ObserveConfig.read(toml, file).under(above);
            final CellSpec cell = bare == null ? null : bare.withAxon(axon).withObserve(observe)
                .withRecipe(BuildRecipe.read(toml, file));
            loading.push(key);
            final List<Node> children = new ArrayList<>();
            if (cellsTable != null)
            {
                if (cellsTable.isEmpty() && cell == null)
                {
                    throw new ConfigError(file, 0, file + ": [cells] is empty; list at least one cell, e.g. " +
                        "exchange = { path = \"exchange\", replicas = 1 }");
                }
                for (final String k : cellsTable.keySet())
                {
                    final Node child = child(cellsTable, k, dir, file, observe);
                    if (child != null && !children.contains(child))
                    {
                        children.add(child);
                    }
                }
            }
            loading.pop();
            final String name = cell != null ? cell.name() : tissueName != null ? tissueName :
                dir.getFileName() == null ? "tissue" : dir.getFileName().toString();
            final Node node = new Node(name, dir, file, cell, replicas, dependsOn == null ? List.of() : dependsOn,
                resources, lifeCycle, List.copyOf(children), entryLine, entryFile);
            loaded.put(key, node);
            return node;
        }

        private Node child(final TomlTable cells, final String key, final Path dir, final Path file,
            final ObserveConfig observe)
        {
            final String where = file + ": cells." + key;
            final int line = line(cells, key);
            final Object value = cells.get(List.of(key));
            if (!(value instanceof TomlTable entry))
            {
                throw CellToml.error(file, cells, key, where + " must be a table like { path = \"" + key +
                    "\", replicas = 1 }" +
                    CellToml.at(cells, key));
            }
            CellToml.checkKeys(entry, ENTRY_KEYS, file, "cells." + key + ".");
            final Object path = entry.get(List.of("path"));
            if (!(path instanceof String p) || p.isBlank())
            {
                problems.add(new ConfigError.Problem(file, line, where + ".path is " +
                    (path == null ? "missing" : "not a string") +
                    "; give the cell's folder relative to " + dir + ", e.g. path = \"" + key + "\"" +
                    CellToml.at(cells, key)));
                return null;
            }
            final Path childDir = dir.resolve(p).normalize();
            if (!Files.isDirectory(childDir))
            {
                problems.add(new ConfigError.Problem(file, line, where + ".path = \"" + p + "\": no such folder " +
                    childDir +
                    CellToml.at(cells, key) + "; fix the path (it is relative to " + dir + ")"));
                return null;
            }
            if (!Files.isRegularFile(childDir.resolve(TissueConfig.FILE_NAME)))
            {
                problems.add(new ConfigError.Problem(file, line, where + ".path = \"" + p + "\": " + childDir +
                    " has no " + TissueConfig.FILE_NAME +
                    "; a cell folder needs one with [cell] name = \"" + key + "\"" + CellToml.at(cells, key)));
                return null;
            }
            final int replicas = replicas(entry, where, cells, key, file);
            final List<String> dependsOn = dependsOn(entry, where, cells, key, file);
            return load(childDir, replicas, dependsOn, line, file, false, observe);
        }

        private static int replicas(final TomlTable entry, final String where, final TomlTable cells,
            final String key, final Path file)
        {
            final Object value = entry.get(List.of("replicas"));
            if (value == null)
            {
                return 0; // the cell's own [state] replicas, else 1
            }
            if (!(value instanceof Long n) || n < 1 || n > TissueConfig.MAX_REPLICAS)
            {
                throw CellToml.error(file, cells, key, where + ".replicas = " + value +
                    ": must be a whole number from 1 to " +
                    TissueConfig.MAX_REPLICAS + CellToml.at(cells, key));
            }
            return n.intValue();
        }

        private static List<String> dependsOn(final TomlTable entry, final String where, final TomlTable cells,
            final String key, final Path file)
        {
            final Object value = entry.get(List.of("depends_on"));
            if (value == null)
            {
                return List.of();
            }
            if (!(value instanceof TomlArray array))
            {
                throw CellToml.error(file, cells, key, where +
                    ".depends_on must be a list of cell names, e.g. depends_on = " +
                    "[\"exchange\"]" + CellToml.at(cells, key));
            }
            final List<String> names = new ArrayList<>();
            for (int i = 0; i < array.size(); i++)
            {
                if (!(array.get(i) instanceof String s))
                {
                    throw CellToml.error(file, cells, key, where + ".depends_on[" + i +
                        "] is not a string; list cell names" +
                        CellToml.at(cells, key));
                }
                names.add(s);
            }
            return List.copyOf(names);
        }

        void postOrder(final Node node, final List<Node> into, final java.util.Set<Node> seen)
        {
            if (!seen.add(node))
            {
                return;
            }
            for (final Node c : node.children())
            {
                postOrder(c, into, seen);
            }
            if (node.cell() != null)
            {
                into.add(node);
            }
        }

        void checkNames(final TissueTree tree)
        {
            final Map<String, Node> byName = new LinkedHashMap<>();
            for (final Node n : tree.cells())
            {
                final Node previous = byName.putIfAbsent(n.cell().name(), n);
                if (previous != null)
                {
                    problems.add(new ConfigError.Problem(n.entryFile() == null ? n.file() : n.entryFile(),
                        n.entryLine(), n.where() + ": duplicate cell name '" + n.cell().name() + "': " + n.dir() +
                            " and " +
                        previous.dir() + " (listed at " + previous.where() + ") both name it in [cell] name; " +
                        "rename one, or list the same folder (with replicas = N for more instances)"));
                }
            }
        }

        void checkDependencies(final TissueTree tree)
        {
            for (final Node n : tree.cells())
            {
                for (final String d : n.dependsOn())
                {
                    if (tree.node(d) == null)
                    {
                        problems.add(new ConfigError.Problem(n.entryFile() == null ? n.file() : n.entryFile(),
                            n.entryLine(), n.where() + ": depends_on of '" + n.cell().name() + "' names '" + d +
                                "', which " +
                            "is no cell of this tissue; known cells: " +
                            String.join(", ", tree.cells().stream().map(c -> c.cell().name()).toList())));
                    }
                }
            }
            if (!problems.isEmpty())
            {
                return;
            }
            final Map<Node, Integer> state = new HashMap<>();
            final Deque<Node> path = new ArrayDeque<>();
            for (final Node n : tree.cells())
            {
                if (findCycle(tree, n, state, path))
                {
                    return;
                }
            }
        }

        private boolean findCycle(final TissueTree tree, final Node n, final Map<Node, Integer> state,
            final Deque<Node> path)
        {
            final int s = state.getOrDefault(n, 0);
            if (s == 2)
            {
                return false;
            }
            if (s == 1)
            {
                final List<Node> cycle = new ArrayList<>();
                boolean in = false;
                for (final java.util.Iterator<Node> it = path.descendingIterator(); it.hasNext(); )
                {
                    final Node p = it.next();
                    in |= p == n;
                    if (in)
                    {
                        cycle.add(p);
                    }
                }
                final StringBuilder sb = new StringBuilder("dependency cycle: ");
                for (final Node c : cycle)
                {
                    sb.append(c.cell().name()).append(" -> ");
                }
                sb.append(n.cell().name()).append(" (");
                for (int i = 0; i < cycle.size(); i++)
                {
                    final Node from = cycle.get(i);
                    final Node to = i + 1 < cycle.size() ? cycle.get(i + 1) : n;
                    sb.append(i == 0 ? "" : "; ").append(from.cell().name()).append(" waits for ")
                        .append(to.cell().name()).append(from.dependsOn().contains(to.cell().name()) ?
                        " by depends_on at " + from.where() : " as its child at " + to.where());
                }
                sb.append("); remove one of these dependencies");
                problems.add(new ConfigError.Problem(cycle.getFirst().entryFile() == null ? cycle.getFirst().file() :
                    cycle.getFirst().entryFile(), cycle.getFirst().entryLine(), cycle.getFirst().where() + ": " + sb));
                return true;
            }
            state.put(n, 1);
            path.push(n);
            for (final Node d : tree.dependencies(n))
            {
                if (findCycle(tree, d, state, path))
                {
                    return true;
                }
            }
            path.pop();
            state.put(n, 2);
            return false;
        }

        void checkResources(final Node node, final java.util.Set<Node> seen, final Map<String, Integer> replicas)
        {
            if (!seen.add(node))
            {
                return;
            }
            for (final Resources.Kind kind : Resources.Kind.values())
            {
                final Resources.Range own = node.resources().get(kind);
                if (own == null || own.max() < 0 || node.children().isEmpty() || node.cell() != null)
                {
                    continue;
                }
                double sum = 0;
                final List<String> parts = new ArrayList<>();
                for (final Node c : node.children())
                {
                    final double childTotal = subtreeMax(c, kind, replicas);
                    if (childTotal > 0)
                    {
                        sum += childTotal;
                        parts.add(c.name() + " " + kind.format(childTotal) + " (" + c.where() + ")");
                    }
                }
                if (sum > own.max() + 1e-9)
                {
                    problems.add(new ConfigError.Problem(node.file(), node.resources().line(kind), node.file() + ":" +
                        node.resources().line(kind) + ": resources over-committed: " +
                        "the children of '" + node.name() + "' ask for " + kind.key() + " max " + kind.format(sum) +
                        " in all (" + String.join(", ", parts) + "), more than its own " + kind.key() + " max " +
                        kind.format(own.max()) + "; lower the children's [resources] " + kind.key() +
                        " max or their replicas, or raise this one"));
                }
            }
            for (final Node c : node.children())
            {
                checkResources(c, seen, replicas);
            }
        }

        /**
         * What a child asks for in all: a cell's max × its replicas plus what its children ask for; a folder that
         * only groups cells asks for its own max when it declares one, else for what its children ask for.
         */
        private static double subtreeMax(final Node node, final Resources.Kind kind,
            final Map<String, Integer> replicas)
        {
            final Resources.Range r = node.resources().get(kind);
            if (node.cell() == null && r != null && r.max() >= 0)
            {
                return r.max();
            }
            double sum = node.cell() != null && r != null && r.max() >= 0 ?
                r.max() * replicas.getOrDefault(node.cell().name(), node.replicas()) : 0;
            for (final Node c : node.children())
            {
                sum += subtreeMax(c, kind, replicas);
            }
            return sum;
        }

        private static int line(final TomlTable table, final String key)
        {
            final TomlPosition p = table.inputPositionOf(List.of(key));
            return p == null ? 0 : p.line();
        }
    }

    private static Path real(final Path p)
    {
        try
        {
            return p.toRealPath();
        }
        catch (final IOException ex)
        {
            return p.toAbsolutePath().normalize();
        }
    }
}
