package dev.cell.tissue.config;

import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How far a dependency may be, and what to do when it is farther ({@code [deps.<name>.policy]}):
 * <pre>
 * [deps.exchange]
 * git = "http://10.1.0.5:7780/acme/exchange"
 * tag = "v1.0.0"
 * owner = "ed25519:..."
 * policy = { max_latency_ms = 5, auto_spawn = true }
 * </pre>
 * At build ({@code cell build}): when no instance runs here, the remote instances the registry lists are timed; the
 * best one slower than {@code max_latency_ms}, or none at all, spawns the producer here from its signed git release
 * when {@code auto_spawn}, and is a build error ("exchange too far (best X ms > max Y ms) and local spawn
 * disabled") when not. At run time the racing client asks its supervisor for a local instance when the best
 * instance it races has stayed slower than {@code max_latency_ms} for {@code spawn_after} consecutive looks (one per
 * instance-list refresh, 250 ms); the new instance joins the race. {@code offline_vendor} keeps a copy of the
 * verified build in the consumer's folder ({@code .cell-vendor/}) that a spawn starts from when the repository
 * cannot be reached.
 *
 * @param maxLatencyMs  the slowest round trip accepted, in milliseconds (0: any).
 * @param autoSpawn     whether a producer that is too far or nowhere is spawned locally from its git release.
 * @param offlineVendor whether spawns keep and may start from a vendored copy of the verified build.
 * @param spawnAfter    how many consecutive looks the best instance must be too slow before a run-time spawn.
 * @since 0.3
 */
public record DepPolicy(double maxLatencyMs, boolean autoSpawn, boolean offlineVendor, int spawnAfter)
{
    /**
     * Looks before a run-time spawn when {@code spawn_after} is not given.
     */
    public static final int DEFAULT_SPAWN_AFTER = 4;

    private static final Set<String> KEYS = Set.of("max_latency_ms", "auto_spawn", "offline_vendor", "spawn_after");
    private static final int MAX_SPAWN_AFTER = 1_000;

    /**
     * @param latencyMs a measured round trip.
     * @return whether it is slower than this policy allows.
     */
    public boolean tooFar(final double latencyMs)
    {
        return maxLatencyMs > 0 && latencyMs > maxLatencyMs;
    }

    /**
     * @param name      the dependency.
     * @param bestMs    the best remote instance's round trip.
     * @return the build error for a producer too far that may not be spawned.
     */
    public String tooFarMessage(final String name, final double bestMs)
    {
        return name + " too far (best " + String.format(Locale.ROOT, "%.2f", bestMs) + " ms > max " +
            plain(maxLatencyMs) + " ms) and local spawn disabled: set " +
            "auto_spawn = true in [deps." + name + ".policy] to build and start it here from its git release, or " +
            "raise max_latency_ms";
    }

    private static String plain(final double v)
    {
        return v == Math.rint(v) ? Long.toString((long)v) : Double.toString(v);
    }

    static DepPolicy read(final TomlTable dep, final String name, final String git, final String owner,
        final Path file, final String where)
    {
        final Object value = dep.get(List.of("policy"));
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof TomlTable t))
        {
            throw CellToml.error(file, dep, "policy", where + ".policy must be a table, e.g. policy = " +
                "{ max_latency_ms = 5, auto_spawn = true }" + CellToml.at(dep, "policy"));
        }
        final String at = where + ".policy.";
        CellToml.checkKeys(t, KEYS, file, "deps." + name + ".policy.");
        double max = 0;
        final Object m = t.get(List.of("max_latency_ms"));
        if (m != null)
        {
            if (!(m instanceof Number n) || !(n.doubleValue() > 0) || n.doubleValue() > 3_600_000)
            {
                throw CellToml.error(file, t, "max_latency_ms", at + "max_latency_ms = " + CellToml.render(m) +
                    " must be a positive number of milliseconds, e.g. 5" + CellToml.at(t, "max_latency_ms"));
            }
            max = n.doubleValue();
        }
        final boolean autoSpawn = bool(t, "auto_spawn", file, at);
        final boolean vendor = bool(t, "offline_vendor", file, at);
        int after = DEFAULT_SPAWN_AFTER;
        final Object a = t.get(List.of("spawn_after"));
        if (a != null)
        {
            if (!(a instanceof Long n) || n < 1 || n > MAX_SPAWN_AFTER)
            {
                throw CellToml.error(file, t, "spawn_after", at + "spawn_after = " + CellToml.render(a) +
                    " must be a whole number of looks from 1 to " + MAX_SPAWN_AFTER + CellToml.at(t, "spawn_after"));
            }
            after = n.intValue();
        }
        if ((autoSpawn || vendor) && (git == null || owner == null))
        {
            throw CellToml.error(file, t, autoSpawn ? "auto_spawn" : "offline_vendor", at +
                (autoSpawn ? "auto_spawn" : "offline_vendor") + " builds the producer from its signed git release, " +
                "which needs git = \"<url>\", tag and owner = \"ed25519:...\" (the identity that signs its " +
                "Cell.json) in the entry" + CellToml.at(t, autoSpawn ? "auto_spawn" : "offline_vendor"));
        }
        if (vendor && !autoSpawn)
        {
            throw CellToml.error(file, t, "offline_vendor", at + "offline_vendor keeps the build a spawn starts " +
                "from, which needs auto_spawn = true" + CellToml.at(t, "offline_vendor"));
        }
        return new DepPolicy(max, autoSpawn, vendor, after);
    }

    private static boolean bool(final TomlTable t, final String key, final Path file, final String at)
    {
        final Object v = t.get(List.of(key));
        if (v != null && !(v instanceof Boolean))
        {
            throw CellToml.error(file, t, key, at + key + " = " + CellToml.render(v) + " must be true or false" +
                CellToml.at(t, key));
        }
        return Boolean.TRUE.equals(v);
    }
}
