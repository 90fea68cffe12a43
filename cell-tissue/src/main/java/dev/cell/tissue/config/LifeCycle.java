package dev.cell.tissue.config;


import org.tomlj.TomlTable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A cell's {@code [life_cycle]}: how its supervisor treats its instances.
 * <pre>
 * [life_cycle]
 * idle_timeout = "30s"     # no call and no connection for this long: the instance stops itself (default: never)
 * max_restarts = 5         # more crashes than this within restart_window: crash loop, the cell is stopped
 * restart_window = "60s"
 * backoff = "200ms"        # delay before the first restart, doubled per crash up to backoff_max
 * backoff_max = "10s"
 * ready_timeout = "60s"    # how long an instance may take to answer its first handshake
 * hung_timeout = "5s"      # no heartbeat for this long while serving: the instance is hung, killed and restarted
 * </pre>
 * An instance's duty cycle writes a heartbeat into its {@code instance.dat} every ~100 ms; one whose heartbeat has
 * not moved for {@code hung_timeout} (stopped with SIGSTOP, deadlocked, stuck in a handler on the duty cycle, paused
 * by the machine) is killed with SIGKILL by its supervisor and restarted, counting as a crash. It must be at least
 * {@code 500ms}, several heartbeats.
 *
 * @param idleTimeout   idle time after which an instance stops itself; zero for never.
 * @param maxRestarts   restarts allowed within the window before the cell is declared crash-looping.
 * @param restartWindow the window.
 * @param backoff       first restart delay.
 * @param backoffMax    longest restart delay.
 * @param readyTimeout  how long an instance may take to become ready; null for the command's default.
 * @param hungTimeout   heartbeat age after which a serving instance is killed and restarted.
 * @since 0.1
 */
public record LifeCycle(Duration idleTimeout, int maxRestarts, Duration restartWindow, Duration backoff,
    Duration backoffMax, Duration readyTimeout, Duration hungTimeout)
{
    /**
     * The defaults.
     */
    public static final LifeCycle DEFAULTS = new LifeCycle(Duration.ZERO, 5, Duration.ofSeconds(60),
        Duration.ofMillis(200), Duration.ofSeconds(10), null, Duration.ofSeconds(5));

    private static final Duration MIN_HUNG_TIMEOUT = Duration.ofMillis(500);

    private static final Set<String> KEYS = Set.of("idle_timeout", "max_restarts", "restart_window", "backoff",
        "backoff_max", "ready_timeout", "hung_timeout");

    /**
     * @param table the {@code [life_cycle]} table, or null.
     * @param file  its file, for errors.
     * @return the settings.
     */
    public static LifeCycle parse(final TomlTable table, final Path file)
    {
        if (table == null)
        {
            return DEFAULTS;
        }
        CellToml.checkKeys(table, KEYS, file, "life_cycle.");
        final Object restarts = table.get(List.of("max_restarts"));
        int maxRestarts = DEFAULTS.maxRestarts();
        if (restarts != null)
        {
            if (!(restarts instanceof Long n) || n < 0 || n > 1000)
            {
                throw CellToml.error(file, table, "max_restarts", file + ": life_cycle.max_restarts = " +
                    CellToml.render(restarts) +
                    " must be a whole number from 0 to 1000" + CellToml.at(table, "max_restarts"));
            }
            maxRestarts = n.intValue();
        }
        final Duration hung = duration(table, "hung_timeout", DEFAULTS.hungTimeout(), file);
        if (hung.compareTo(MIN_HUNG_TIMEOUT) < 0)
        {
            throw CellToml.error(file, table, "hung_timeout", file + ": life_cycle.hung_timeout = \"" +
                table.getString("hung_timeout") +
                "\" is too short: an instance writes a heartbeat every ~100 ms, so use at least 500ms" +
                CellToml.at(table, "hung_timeout"));
        }
        return new LifeCycle(
            duration(table, "idle_timeout", DEFAULTS.idleTimeout(), file),
            maxRestarts,
            duration(table, "restart_window", DEFAULTS.restartWindow(), file),
            duration(table, "backoff", DEFAULTS.backoff(), file),
            duration(table, "backoff_max", DEFAULTS.backoffMax(), file),
            duration(table, "ready_timeout", null, file),
            hung);
    }

    private static Duration duration(final TomlTable table, final String key, final Duration fallback,
        final Path file)
    {
        final Object value = table.get(List.of(key));
        if (value == null)
        {
            return fallback;
        }
        if (!(value instanceof String s))
        {
            throw CellToml.error(file, table, key, file + ": life_cycle." + key + " = " + CellToml.render(value) +
                " must be a " +
                "duration string such as \"30s\", \"500ms\" or \"5m\"" + CellToml.at(table, key));
        }
        try
        {
            return Durations.parse(s, "life_cycle." + key);
        }
        catch (final RuntimeException ex)
        {
            throw new ConfigError(file, CellToml.line(table, key), file + ": life_cycle." + key + " = \"" + s +
                "\": " + ex.getMessage() +
                CellToml.at(table, key), ex);
        }
    }
}
