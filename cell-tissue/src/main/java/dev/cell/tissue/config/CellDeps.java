package dev.cell.tissue.config;

import dev.cell.runtime.client.RaceOptions;
import dev.cell.runtime.identity.Identity;
import org.tomlj.TomlTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

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
 * ledger = { git = "http://10.1.0.5:7780/acme/ledger", tag = "v2.0.0", owner = "ed25519:..." }
 * quotes = { path = "../quotes", endpoint = "10.1.0.2:7400", key = "ed25519:..." }
 * prices = { path = "../prices", race = true, hedge = "p95" }
 *
 * [deps.exchange]
 * git = "http://10.1.0.5:7780/acme/exchange"
 * tag = "v1.0.0"
 * owner = "ed25519:..."
 * policy = { max_latency_ms = 5, auto_spawn = true }
 * </pre>
 * {@code dir} is the cell's folder inside the repository (default: its root). {@code endpoint} is optional: the
 * {@code host:port} of a remote instance to call at run time (its {@code [axon] listen}), and {@code key}, with it,
 * the public identity that instance must prove. {@code owner}, with {@code git}, pins the identity whose signature
 * a release's {@code Cell.json} must carry ({@code cell spawn} refuses any other). {@code race = true} makes the
 * consumer's client race every live instance it can see (this host's and those its registry lists) and
 * {@code hedge} ({@code true}, a percentile such as {@code "p95"}, or a fixed delay in milliseconds) hedges slow
 * idempotent calls ({@code RaceOptions}). {@code policy} ({@link DepPolicy}) says how far the producer may be: a
 * dependency with a policy is raced.
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

    private static final Set<String> DEP_KEYS = Set.of("path", "git", "tag", "dir", "endpoint", "key", "owner",
        "race", "hedge", "policy");
    // a dependency reached at an endpoint is handed over as -Dcell.endpoint.<name>: no dots, spaces or '='
    private static final Pattern REMOTE_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*(@[1-9][0-9]*)?");

    /**
     * One dependency.
     *
     * @param name     its key in {@code [deps]}.
     * @param path     a source folder (relative to the consumer's folder), or null.
     * @param git      a git URL, or null.
     * @param tag      the git tag, with {@code git}.
     * @param dir      folder of the cell inside the repository, with {@code git}; "" for its root.
     * @param endpoint the {@code host:port} of a remote instance to call at run time, or null.
     * @param key      the public identity expected at {@code endpoint}, or null.
     * @param owner    with {@code git}: the public identity that signs the tag's {@code Cell.json}, or null.
     * @param race     whether calls race the live instances.
     * @param hedge    with {@code race}: how slow idempotent calls are hedged ({@code true}, {@code p95}, a delay in
     *                 milliseconds), or null for no hedging.
     * @param policy   how far the producer may be and whether to spawn it locally, or null for no limit.
     */
    public record Dep(String name, String path, String git, String tag, String dir, String endpoint, String key,
        String owner, boolean race, String hedge, DepPolicy policy)
    {
        /**
         * A dependency without a run-time endpoint.
         *
         * @param name its key in {@code [deps]}.
         * @param path a source folder, or null.
         * @param git  a git URL, or null.
         * @param tag  the git tag, with {@code git}.
         * @param dir  folder of the cell inside the repository; "" for its root.
         */
        public Dep(final String name, final String path, final String git, final String tag, final String dir)
        {
            this(name, path, git, tag, dir, null, null, null, false, null, null);
        }

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
     * @throws ConfigError naming the file, the key, the line and the fix when the file is malformed.
     */
    public static CellDeps read(final Path root)
    {
        final Path file = root.resolve(FILE);
        if (!Files.isRegularFile(file))
        {
            return new CellDeps(root, envOffline(), Map.of());
        }
        return from(CellToml.parse(file, ""), file, root);
    }

    private static boolean envOffline()
    {
        final String env = System.getenv("CELL_OFFLINE");
        return "1".equals(env) || "true".equalsIgnoreCase(env);
    }

    /**
     * @param toml a parsed {@code cell.toml}.
     * @param file its path, for errors.
     * @param root its folder.
     * @return its {@code [deps]} and {@code offline}.
     */
    static CellDeps from(final TomlTable toml, final Path file, final Path root)
    {
        boolean offline = envOffline();
        for (final String key : new String[]{"offline", "cell.offline"})
        {
            if (toml.contains(key))
            {
                if (!(toml.get(key) instanceof Boolean b))
                {
                    throw new ConfigError(file, toml.inputPositionOf(key) == null ? 0 :
                        toml.inputPositionOf(key).line(), file + ": '" + key + "' must be true or false");
                }
                offline |= b;
            }
        }
        final Map<String, Dep> deps = new TreeMap<>();
        final TomlTable table = CellToml.table(toml, "deps", file);
        if (table != null)
        {
            for (final String name : table.keySet())
            {
                final String where = file + ": [deps] " + name;
                if (!(table.get(List.of(name)) instanceof TomlTable dep))
                {
                    throw CellToml.error(file, table, name, where + " must be a table, e.g. " + name +
                        " = { path = \"../" + name + "\" } or " + name + " = { git = \"<url>\", tag = \"v1.0.0\" }" +
                        CellToml.at(table, name));
                }
                CellToml.checkKeys(dep, DEP_KEYS, file, "deps." + name + ".");
                final String path = string(dep, "path", file, where);
                final String git = string(dep, "git", file, where);
                final String tag = string(dep, "tag", file, where);
                final String dir = string(dep, "dir", file, where);
                if ((path == null) == (git == null))
                {
                    throw CellToml.error(file, table, name, where + " needs exactly one of 'path' or 'git'" +
                        CellToml.at(table, name));
                }
                if (git != null && tag == null)
                {
                    throw CellToml.error(file, table, name, where + " has 'git' but no 'tag': pin a tag, e.g. " +
                        "tag = \"v1.0.0\"" + CellToml.at(table, name));
                }
                final String endpoint = string(dep, "endpoint", file, where);
                final String key = string(dep, "key", file, where);
                checkRemote(name, endpoint, key, dep, file, where);
                final String owner = string(dep, "owner", file, where);
                checkOwner(owner, git, dep, file, where);
                final DepPolicy policy = DepPolicy.read(dep, name, git, owner, file, where);
                final boolean race = race(name, dep, file, where) || policy != null;
                final String hedge = hedge(race, dep, file, where);
                deps.put(name, new Dep(name, path, git, tag, dir == null ? "" : dir, endpoint, key, owner, race,
                    hedge, policy));
            }
        }
        return new CellDeps(root, offline, deps);
    }

    private static void checkRemote(final String name, final String endpoint, final String key, final TomlTable dep,
        final Path file, final String where)
    {
        if (endpoint != null)
        {
            final String why = AxonConfig.endpointProblem(endpoint, false);
            if (why != null)
            {
                throw CellToml.error(file, dep, "endpoint", where + ".endpoint = \"" + endpoint + "\": " + why +
                    "; give the remote instance's host:port, e.g. endpoint = \"10.1.0.2:7400\"" +
                    CellToml.at(dep, "endpoint"));
            }
            if (!REMOTE_NAME.matcher(name).matches())
            {
                throw CellToml.error(file, dep, "endpoint", where + " has an endpoint, so its name must be a cell " +
                    "name (lower case letters, digits and '-', e.g. exchange or \"exchange@2\"): it is handed to " +
                    "the instance as -Dcell.endpoint." + name + CellToml.at(dep, "endpoint"));
            }
        }
        if (key != null)
        {
            if (endpoint == null)
            {
                throw CellToml.error(file, dep, "key", where + ".key is the identity expected at an endpoint, but " +
                    "there is no endpoint; add endpoint = \"host:port\" or remove key" + CellToml.at(dep, "key"));
            }
            if (!Identity.isPublicId(key))
            {
                throw CellToml.error(file, dep, "key", where + ".key = \"" + key + "\" is not an Ed25519 public " +
                    "identity (" + Identity.PREFIX + "<43 base64url characters>; `cell id` on that host prints " +
                    "it)" + CellToml.at(dep, "key"));
            }
        }
    }

    private static boolean race(final String name, final TomlTable dep, final Path file, final String where)
    {
        final Object value = dep.get(List.of("race"));
        if (value == null)
        {
            if (dep.contains("policy") && !REMOTE_NAME.matcher(name).matches())
            {
                throw CellToml.error(file, dep, "policy", where + " has a policy, so its instances are raced and " +
                    "its name must be a cell name (lower case letters, digits and '-')" + CellToml.at(dep, "policy"));
            }
            return false;
        }
        if (!(value instanceof Boolean b))
        {
            throw CellToml.error(file, dep, "race", where + ".race = " + CellToml.render(value) +
                " must be true or false" + CellToml.at(dep, "race"));
        }
        if (b && !REMOTE_NAME.matcher(name).matches())
        {
            throw CellToml.error(file, dep, "race", where + " races its instances, so its name must be a cell name " +
                "(lower case letters, digits and '-'): it is handed to the instance as -Dcell.race." + name +
                CellToml.at(dep, "race"));
        }
        return b;
    }

    private static String hedge(final boolean race, final TomlTable dep, final Path file, final String where)
    {
        final Object value = dep.get(List.of("hedge"));
        if (value == null)
        {
            return null;
        }
        if (!race)
        {
            throw CellToml.error(file, dep, "hedge", where + ".hedge sends a slow call to a second instance, " +
                "which needs race = true" + CellToml.at(dep, "hedge"));
        }
        final String text = value instanceof Boolean || value instanceof Number || value instanceof String ?
            value.toString() : null;
        try
        {
            if (text == null)
            {
                throw new IllegalArgumentException("not a value");
            }
            RaceOptions.parseHedge(where + ".hedge", text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw CellToml.error(file, dep, "hedge", where + ".hedge = " + CellToml.render(value) + " must be " +
                "true, false, a percentile such as \"p95\" or a delay in milliseconds such as 3" +
                CellToml.at(dep, "hedge"));
        }
        return text;
    }

    private static void checkOwner(final String owner, final String git, final TomlTable dep, final Path file,
        final String where)
    {
        if (owner == null)
        {
            return;
        }
        if (git == null)
        {
            throw CellToml.error(file, dep, "owner", where + ".owner pins who signs a git release's Cell.json, but " +
                "there is no git; add git = \"<url>\" and tag, or remove owner" + CellToml.at(dep, "owner"));
        }
        if (!Identity.isPublicId(owner))
        {
            throw CellToml.error(file, dep, "owner", where + ".owner = \"" + owner + "\" is not an Ed25519 public " +
                "identity (" + Identity.PREFIX + "<43 base64url characters>; `cell id` on the owner's host prints " +
                "it)" + CellToml.at(dep, "owner"));
        }
    }

    private static String string(final TomlTable dep, final String key, final Path file, final String where)
    {
        final Object value = dep.get(List.of(key));
        if (value != null && !(value instanceof String))
        {
            throw CellToml.error(file, dep, key, where + "." + key + " = " + CellToml.render(value) +
                " must be a string" + CellToml.at(dep, key));
        }
        return (String)value;
    }
}
