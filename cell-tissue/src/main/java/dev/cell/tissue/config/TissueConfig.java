package dev.cell.tissue.config;

import dev.cell.runtime.IdleProfile;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The flat view of a tissue: every runnable cell with its replicas, children first — what {@code cell mitosis}
 * builds and starts. The tree it comes from, with resources, life cycles and dependencies, is {@link TissueTree}.
 * <p>
 * A cell folder's {@code cell.toml} has a {@code [cell]} table: {@code name} (lower case letters, digits and '-',
 * the {@code @Cell} name, from major version 2 on {@code name@2}) and optional {@code latency}: {@code "eco"}
 * (default; sleeps when idle) or {@code "spin"} (busy-spins one core):
 * <pre>
 * [cell]
 * name = "exchange"
 * latency = "spin"
 *
 * [state]                 # a replicated, stateful cell: a Raft group of this many replicas (default 3)
 * replicas = 3
 * </pre>
 * Its remote transport settings ({@code [axon]}, {@code [auth]}, {@code [deps]} endpoints) are {@link AxonConfig},
 * how its calls are traced ({@code [observe]}) {@link ObserveConfig}.
 * A folder whose {@code cell.toml} has {@code [cell]} and no {@code [cells]} is a tissue of that one cell, so
 * {@code cell mitosis .} works inside a project made by {@code cell init}.
 *
 * @param file  the top {@code cell.toml}.
 * @param root  its folder.
 * @param name  the tissue's name ({@code [tissue] name}, else the cell's name, else the folder's name).
 * @param cells the cells to start, children before parents.
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

    /**
     * Most replicas of one Raft group ({@code [state] replicas}).
     */
    public static final int MAX_STATE_REPLICAS = 9;

    private static final Pattern CELL_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*(@[1-9][0-9]*)?");
    private static final Set<String> CELL_KEYS = Set.of("name", "latency", "offline", "metrics");
    private static final Set<String> STATE_KEYS = Set.of("replicas", "hosts");
    private static final Set<String> TISSUE_KEYS = Set.of("name", "metrics");

    /**
     * One cell to start, with the settings its instances are handed (an instance reads no {@code cell.toml}).
     *
     * @param name          the cell's name, from its {@code [cell] name}.
     * @param dir           the cell's folder (absolute, normalized).
     * @param file          the cell's {@code cell.toml}.
     * @param replicas      how many instances to start.
     * @param latency       the instances' idle profile.
     * @param stateReplicas the size of its Raft group when it has a {@code [state]} table, else 0.
     * @param axon          its {@code [axon]}, {@code [auth]} and the dependencies it calls at an endpoint.
     * @param observe       its {@code [observe]}, with what the folders above it set.
     */
    public record CellSpec(String name, Path dir, Path file, int replicas, IdleProfile latency, int stateReplicas,
        AxonConfig axon, ObserveConfig observe, BuildRecipe recipe)
    {
        /**
         * Canonical constructor: a null {@code axon} is {@link AxonConfig#NONE}, a null {@code observe}
         * {@link ObserveConfig#NONE}; a null {@code recipe} means a Maven build.
         */
        public CellSpec
        {
            axon = axon == null ? AxonConfig.NONE : axon;
            observe = observe == null ? ObserveConfig.NONE : observe;
        }

        /**
         * A cell built with Maven.
         *
         * @param name          the cell's name.
         * @param dir           its folder.
         * @param file          its {@code cell.toml}.
         * @param replicas      how many instances.
         * @param latency       their idle profile.
         * @param stateReplicas its Raft group's size, 0 for none.
         * @param axon          its remote settings.
         * @param observe       how its calls are traced.
         */
        public CellSpec(final String name, final Path dir, final Path file, final int replicas,
            final IdleProfile latency, final int stateReplicas, final AxonConfig axon, final ObserveConfig observe)
        {
            this(name, dir, file, replicas, latency, stateReplicas, axon, observe, null);
        }

        /**
         * A cell without {@code [observe]} settings.
         *
         * @param name          the cell's name.
         * @param dir           its folder.
         * @param file          its {@code cell.toml}.
         * @param replicas      how many instances.
         * @param latency       their idle profile.
         * @param stateReplicas its Raft group's size, 0 for none.
         * @param axon          its remote settings.
         */
        public CellSpec(final String name, final Path dir, final Path file, final int replicas,
            final IdleProfile latency, final int stateReplicas, final AxonConfig axon)
        {
            this(name, dir, file, replicas, latency, stateReplicas, axon, ObserveConfig.NONE);
        }

        /**
         * A cell without a {@code [state]} table and without remote settings.
         *
         * @param name     the cell's name.
         * @param dir      its folder.
         * @param file     its {@code cell.toml}.
         * @param replicas how many instances.
         * @param latency  their idle profile.
         */
        public CellSpec(final String name, final Path dir, final Path file, final int replicas,
            final IdleProfile latency)
        {
            this(name, dir, file, replicas, latency, 0, AxonConfig.NONE);
        }

        /**
         * @return the latency as written in {@code cell.toml} and passed to the instance ({@code eco}, {@code spin}).
         */
        public String latencyName()
        {
            return latency.name().toLowerCase(Locale.ROOT);
        }

        /**
         * @return whether its {@code cell.toml} declares it stateful ({@code [state]}).
         */
        public boolean declaresState()
        {
            return stateReplicas > 0;
        }

        /**
         * @return the {@code host:port} its instances listen on for remote callers ({@code [axon] listen}), or null.
         */
        public String axonListen()
        {
            return axon.listen();
        }

        /**
         * @return whether its remote transport runs without encryption ({@code [axon] plaintext = true}).
         */
        public boolean axonPlaintext()
        {
            return axon.plaintext();
        }

        /**
         * @return the public identities allowed to call it ({@code [auth] allowed_keys}, files read), in order.
         */
        public List<String> allowedKeys()
        {
            return axon.allowedKeys();
        }

        /**
         * @return the public identities that may announce or publish its name ({@code [auth] owners}).
         */
        public List<String> owners()
        {
            return axon.owners();
        }

        /**
         * @return its dependencies that name a run-time endpoint, by name.
         */
        public List<CellDeps.Dep> remoteDeps()
        {
            return axon.remotes();
        }

        /**
         * @param axon remote settings.
         * @return this cell with them.
         */
        public CellSpec withAxon(final AxonConfig axon)
        {
            return new CellSpec(name, dir, file, replicas, latency, stateReplicas, axon, observe, recipe);
        }

        /**
         * @param value how its calls are traced.
         * @return this cell with it.
         */
        public CellSpec withObserve(final ObserveConfig value)
        {
            return new CellSpec(name, dir, file, replicas, latency, stateReplicas, axon, value, recipe);
        }

        /**
         * @param value its {@code [build]} recipe, or null for Maven.
         * @return this cell with it.
         */
        public CellSpec withRecipe(final BuildRecipe value)
        {
            return new CellSpec(name, dir, file, replicas, latency, stateReplicas, axon, observe, value);
        }
    }

    /**
     * Read and validate the configuration of a folder (or of a {@code cell.toml} path).
     *
     * @param dirOrFile a tissue or cell folder, or its {@code cell.toml}.
     * @return the validated configuration.
     * @throws ConfigError naming the file and line at fault and what to do.
     */
    public static TissueConfig load(final Path dirOrFile)
    {
        return TissueTree.load(dirOrFile).config();
    }

    /**
     * Read and validate a single cell folder's {@code cell.toml}.
     *
     * @param cellDir a cell folder.
     * @return the cell, with as many instances as its {@code [state] replicas} asks, else one.
     * @throws ConfigError when the folder holds no valid cell configuration.
     */
    public static CellSpec loadCell(final Path cellDir)
    {
        final Path root = cellDir.toAbsolutePath().normalize();
        final Path file = root.resolve(FILE_NAME);
        final TomlParseResult toml = CellToml.parse(file, "a cell folder needs a " + FILE_NAME +
            " with [cell] name = \"...\"");
        final TomlTable cellTable = CellToml.table(toml, "cell", file);
        if (cellTable == null)
        {
            throw new ConfigError(file, 0, file + ": has no [cell] table; a cell folder's " + FILE_NAME +
                " needs [cell] name = \"<cell name>\"");
        }
        final int state = stateReplicas(toml, file);
        final CellSpec cell = cell(cellTable, root, file, instances(toml, file, state), state);
        return cell.withAxon(AxonConfig.read(toml, file, root, CellDeps.from(toml, file, root)))
            .withObserve(ObserveConfig.read(toml, file)).withRecipe(BuildRecipe.read(toml, file));
    }

    /**
     * @return how many instances of a cell this host runs by default: one, or the replicas of its Raft group that
     * {@code [state] hosts} places here (all of them without it).
     */
    static int instances(final TomlTable toml, final Path file, final int stateReplicas)
    {
        final StatePlacement placement = StatePlacement.read(toml, file, stateReplicas);
        return placement.spansHosts() ? placement.localCount() : Math.max(1, stateReplicas);
    }

    /**
     * A stateful cell's {@code [state] replicas = N}: the size of its Raft group, the number of {@code hosts} or 3
     * when the table is there without it, 0 when there is no {@code [state]} table.
     */
    static int stateReplicas(final TomlTable toml, final Path file)
    {
        final TomlTable state = CellToml.table(toml, "state", file);
        if (state == null)
        {
            return 0;
        }
        CellToml.checkKeys(state, STATE_KEYS, file, "state.");
        final Object value = state.get(List.of("replicas"));
        if (value == null)
        {
            return state.get(List.of("hosts")) instanceof org.tomlj.TomlArray hosts && !hosts.isEmpty() &&
                hosts.size() <= MAX_STATE_REPLICAS ? hosts.size() : 3;
        }
        if (!(value instanceof Long n) || n < 1 || n > MAX_STATE_REPLICAS)
        {
            throw CellToml.error(file, state, "replicas", file + ": state.replicas = " + CellToml.render(value) +
                ": must be a whole number from 1 to " + MAX_STATE_REPLICAS + " (3 or 5 replicas tolerate 1 or 2 " +
                "failed ones)" + CellToml.at(state, "replicas"));
        }
        return n.intValue();
    }

    static CellSpec cell(final TomlTable cell, final Path dir, final Path file, final int replicas,
        final int stateReplicas)
    {
        CellToml.checkKeys(cell, CELL_KEYS, file, "cell.");
        final Object name = cell.get(List.of("name"));
        if (!(name instanceof String n) || !CELL_NAME.matcher(n).matches())
        {
            throw CellToml.error(file, cell, "name", file + ": cell.name " + (name == null ? "is missing" : "= " +
                CellToml.render(name) + " is not a cell name") + "; use the @Cell name: lower case letters, digits " +
                "and '-', e.g. name = \"exchange\" (from major version 2 on \"exchange@2\")" + CellToml.at(cell,
                    "name"));
        }
        final Object latency = cell.get(List.of("latency"));
        IdleProfile profile = IdleProfile.ECO;
        if (latency != null)
        {
            if (!(latency instanceof String l) || !("eco".equals(l) || "spin".equals(l)))
            {
                throw CellToml.error(file, cell, "latency", file + ": cell.latency = " + CellToml.render(latency) +
                    " is not a latency profile; use \"eco\" (default, sleeps when idle) or \"spin\" (busy-spins one " +
                    "core)" + CellToml.at(cell, "latency"));
            }
            profile = IdleProfile.parse(l);
        }
        return new CellSpec(n, dir, file, replicas, profile, stateReplicas, AxonConfig.NONE);
    }

    static String tissueName(final TomlParseResult toml, final Path file)
    {
        final TomlTable tissue = CellToml.table(toml, "tissue", file);
        if (tissue == null)
        {
            return null;
        }
        CellToml.checkKeys(tissue, TISSUE_KEYS, file, "tissue.");
        final Object name = tissue.get(List.of("name"));
        if (name != null && !(name instanceof String))
        {
            throw CellToml.error(file, tissue, "name", file + ": tissue.name = " + CellToml.render(name) +
                " must be a string" + CellToml.at(tissue, "name"));
        }
        return (String)name;
    }
}
