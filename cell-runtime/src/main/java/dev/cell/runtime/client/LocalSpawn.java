package dev.cell.runtime.client;

import dev.cell.runtime.log.CellLog;

import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Run-time auto-spawn ({@code [deps.<cell>.policy] max_latency_ms, auto_spawn}): a racing client whose best instance
 * stays slower than the limit asks its supervisor for an instance on this host, which then joins the race.
 * <p>
 * The racing client's refresh thread looks once per refresh: when no instance on this host is among its members and
 * the best instance it has heard from (the lowest peak-sensitive round-trip estimate of those not ejected) is slower
 * than {@code max_latency_ms} for {@code spawn_after} looks in a row, it asks, on a thread of its own, so neither the
 * calls nor the refresh wait for the spawn. An answer that is not {@code ok} (refused, failed) is asked again after a
 * back-off, 30 s doubling to 10 min. The asking goes through a requester the instance's main installs (its supervisor
 * link, {@link #requester}); a client with no supervisor logs once that it cannot spawn.
 * <p>
 * Configured per cell by the launcher: {@code -Dcell.race.<cell>.spawn=<max ms>,<looks>}.
 *
 * @since 0.3
 */
public final class LocalSpawn
{
    /**
     * Property suffix after {@code cell.race.<cell>}.
     */
    public static final String PROPERTY_SUFFIX = ".spawn";

    private static final long FIRST_RETRY_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long MAX_RETRY_NS = TimeUnit.MINUTES.toNanos(10);
    private static volatile UnaryOperator<String> requester;

    private final String cell;
    private final long maxNs;
    private final int after;
    private final CellLog log;
    private volatile Runnable onSpawned = () ->
    {
    };
    private int tooSlow;
    private long retryAtNs;
    private boolean backingOff;
    private long retryNs = FIRST_RETRY_NS;
    private boolean asking;
    private boolean warned;

    LocalSpawn(final String cell, final double maxMs, final int after, final CellLog log)
    {
        if (!(maxMs > 0) || after < 1)
        {
            throw new IllegalArgumentException("spawn limit must be a positive latency and at least one look, not " +
                maxMs + " ms after " + after);
        }
        this.cell = cell;
        this.maxNs = (long)(maxMs * 1_000_000d);
        this.after = after;
        this.log = log;
    }

    /**
     * Install how this process asks for a local instance: given the cell's name, return the supervisor's answer
     * ({@code ok: ...} when it started or found one) or throw saying why not.
     *
     * @param value the requester, or null for none.
     */
    public static void requester(final UnaryOperator<String> value)
    {
        requester = value;
    }

    /**
     * @param cell the raced cell.
     * @param log  where the decisions go.
     * @return the watch its properties configure, or null when it has none.
     * @throws IllegalArgumentException when the property is malformed.
     */
    static LocalSpawn fromProperties(final String cell, final CellLog log)
    {
        final int at = cell.indexOf('@');
        final String key = RaceOptions.PROPERTY_PREFIX + cell + PROPERTY_SUFFIX;
        String value = System.getProperty(key);
        if (value == null && at > 0)
        {
            value = System.getProperty(RaceOptions.PROPERTY_PREFIX + cell.substring(0, at) + PROPERTY_SUFFIX);
        }
        if (value == null)
        {
            return null;
        }
        final String[] parts = value.split(",");
        try
        {
            return new LocalSpawn(cell, Double.parseDouble(parts[0].trim()),
                parts.length > 1 ? Integer.parseInt(parts[1].trim()) : 4, log);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(key + "='" + value + "' is not <max ms>,<looks>: " + ex.getMessage(),
                ex);
        }
    }

    /**
     * @param task what to run once the supervisor has started a local instance (read the instance list again, so it
     *             joins the race without waiting for the next refresh).
     */
    void onSpawned(final Runnable task)
    {
        onSpawned = task;
    }

    /**
     * One look, on the refresh thread.
     *
     * @param members the members now.
     * @param nowNs   the clock now.
     */
    synchronized void look(final RaceMember[] members, final long nowNs)
    {
        double best = Double.MAX_VALUE;
        for (final RaceMember m : members)
        {
            if (m.local)
            {
                tooSlow = 0;
                return;
            }
            if (m.heard() && !m.ejected(nowNs))
            {
                best = Math.min(best, m.cost(nowNs));
            }
        }
        if (best == Double.MAX_VALUE)
        {
            return; // nothing heard yet: no measure either way
        }
        tooSlow = best > maxNs ? tooSlow + 1 : 0;
        if (tooSlow < after || asking || backingOff && nowNs - retryAtNs < 0)
        {
            return;
        }
        final UnaryOperator<String> r = requester;
        if (r == null)
        {
            if (!warned)
            {
                warned = true;
                log.warn("race.spawn.unavailable", "cell", cell, "bestUs", (long)(best / 1000), "maxUs",
                    maxNs / 1000, "reason", "this client has no supervisor to start a local instance");
            }
            return;
        }
        asking = true;
        final long bestUs = (long)(best / 1000);
        log.info("race.spawn", "cell", cell, "bestUs", bestUs, "maxUs", maxNs / 1000, "looks", tooSlow);
        Thread.ofPlatform().daemon(true).name("cell-spawn-" + cell).start(() -> ask(r, nowNs));
    }

    private void ask(final UnaryOperator<String> r, final long askedNs)
    {
        String answer;
        try
        {
            answer = r.apply(cell);
        }
        catch (final RuntimeException ex)
        {
            answer = "error: " + ex.getMessage();
        }
        final long tookMs = (System.nanoTime() - askedNs) / 1_000_000L;
        if (answer != null && answer.startsWith("ok"))
        {
            try
            {
                onSpawned.run();
            }
            catch (final RuntimeException ex)
            {
                log.warn("race.spawn.refresh", "cell", cell, "error", String.valueOf(ex));
            }
        }
        synchronized (this)
        {
            asking = false;
            tooSlow = 0;
            backingOff = true;
            if (answer != null && answer.startsWith("ok"))
            {
                log.info("race.spawned", "cell", cell, "ms", tookMs, "answer", answer);
                retryNs = FIRST_RETRY_NS;
                retryAtNs = System.nanoTime() + FIRST_RETRY_NS / 3; // time for the new instance to join
            }
            else
            {
                log.warn("race.spawn.failed", "cell", cell, "ms", tookMs, "answer", String.valueOf(answer),
                    "retryS", retryNs / 1_000_000_000L);
                retryAtNs = System.nanoTime() + retryNs;
                retryNs = Math.min(MAX_RETRY_NS, retryNs * 2);
            }
        }
    }
}
