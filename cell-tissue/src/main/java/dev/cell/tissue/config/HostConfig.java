package dev.cell.tissue.config;

import dev.cell.runtime.client.Endpoint;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A host's own settings, {@code $CELL_HOME/host.toml}, for what belongs to the machine rather than to any cell:
 * <pre>
 * [registry]
 * seeds = ["10.0.0.5:7471", "10.0.0.6:7471"]   # member hosts' join endpoints, tried in turn by `cell join`
 * </pre>
 * {@code CELL_SEEDS} (comma-separated) adds to the file's seeds.
 *
 * @param file  where it was read from (it need not exist).
 * @param seeds the registry join endpoints, file first, then {@code CELL_SEEDS}, without repeats.
 * @since 0.3
 */
public record HostConfig(Path file, List<String> seeds)
{
    /**
     * File name of a host's settings in its cell home.
     */
    public static final String FILE_NAME = "host.toml";

    private static final Set<String> TOP_KEYS = Set.of("registry");
    private static final Set<String> REGISTRY_KEYS = Set.of("seeds");
    private static final int MAX_SEEDS = 64;

    /**
     * Canonical constructor: copies the seeds.
     */
    public HostConfig
    {
        seeds = List.copyOf(seeds);
    }

    /**
     * @param cellHome this host's cell home.
     * @param env      the environment ({@code CELL_SEEDS}).
     * @return its settings; none when there is no file and no {@code CELL_SEEDS}.
     * @throws ConfigError naming the file and line when the file or {@code CELL_SEEDS} is not valid.
     */
    public static HostConfig read(final Path cellHome, final Map<String, String> env)
    {
        final Path file = cellHome.resolve(FILE_NAME);
        final Set<String> seeds = new LinkedHashSet<>();
        if (Files.exists(file))
        {
            final TomlParseResult toml = CellToml.parse(file, "");
            CellToml.checkKeys(toml, TOP_KEYS, file, "");
            final TomlTable registry = CellToml.table(toml, "registry", file);
            if (registry != null)
            {
                CellToml.checkKeys(registry, REGISTRY_KEYS, file, "registry.");
                final Object value = registry.get(List.of("seeds"));
                if (value != null && !(value instanceof TomlArray))
                {
                    throw CellToml.error(file, registry, "seeds", file + ": registry.seeds must be a list of " +
                        "\"host:port\" strings" + CellToml.at(registry, "seeds"));
                }
                final TomlArray list = (TomlArray)value;
                for (int i = 0; list != null && i < list.size(); i++)
                {
                    final Object seed = list.get(i);
                    final String problem = seed instanceof String s ? problem(s) : "is not a string";
                    if (problem != null)
                    {
                        throw CellToml.error(file, registry, "seeds", file + ": registry.seeds[" + i + "] = " +
                            CellToml.render(seed) + " " + problem + CellToml.at(registry, "seeds"));
                    }
                    seeds.add(((String)seed).strip());
                }
            }
        }
        final String fromEnv = env.get("CELL_SEEDS");
        if (fromEnv != null && !fromEnv.isBlank())
        {
            for (final String seed : fromEnv.split(","))
            {
                final String problem = problem(seed);
                if (problem != null)
                {
                    throw new ConfigError(file, 0, "CELL_SEEDS: '" + seed.strip() + "' " + problem +
                        " (a comma-separated list of host:port)");
                }
                seeds.add(seed.strip());
            }
        }
        if (seeds.size() > MAX_SEEDS)
        {
            throw new ConfigError(file, 0, file + " and CELL_SEEDS name " + seeds.size() + " seeds: at most " +
                MAX_SEEDS);
        }
        return new HostConfig(file, new ArrayList<>(seeds));
    }

    private static String problem(final String seed)
    {
        try
        {
            Endpoint.parse(seed.strip(), null);
            return null;
        }
        catch (final IllegalArgumentException ex)
        {
            return "is not host:port (" + ex.getMessage() + ")";
        }
    }
}
