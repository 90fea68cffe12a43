package dev.cell.cli;

import dev.cell.cli.InstanceLauncher.Launched;
import dev.cell.ring.InstanceFile;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A supervisor's watch over its instances' heartbeats: every {@value #PERIOD_MS} ms it reads the heartbeat each
 * serving instance's duty cycle writes into its {@code instance.dat} (kept mapped while the instance lives) and
 * hands an instance whose heartbeat is older than its cell's {@code hung_timeout} to the supervisor, which kills
 * and restarts it. Only instances in state {@code serving} are judged: one that is starting or stopping (an idle
 * instance on its way to dormancy among them) writes no heartbeats and is not hung.
 *
 * @since 0.1
 */
final class HeartbeatWatch implements Runnable
{
    /**
     * How often heartbeats are read.
     */
    static final long PERIOD_MS = 200;

    /**
     * What the watch needs from its supervisor.
     */
    interface Supervised
    {
        /**
         * @return false once the supervisor is stopping (the watch then ends).
         */
        boolean watching();

        /**
         * @return the instances to judge now: each ready slot's current instance with its cell's hung timeout.
         */
        Iterable<Watched> ready();

        /**
         * Called once per hung instance.
         *
         * @param watched the instance.
         * @param ageMs   how old its heartbeat is.
         */
        void hung(Watched watched, long ageMs);
    }

    /**
     * One ready instance.
     *
     * @param slot     the supervisor's slot (opaque here).
     * @param launched the instance.
     * @param timeout  its cell's {@code hung_timeout}.
     */
    record Watched(Object slot, Launched launched, Duration timeout)
    {
    }

    private final Supervised supervised;
    private final Path cellHome;
    private final Map<Launched, InstanceFile> mapped = new HashMap<>();

    /**
     * @param supervised the supervisor.
     * @param cellHome   where its instances register.
     */
    HeartbeatWatch(final Supervised supervised, final Path cellHome)
    {
        this.supervised = supervised;
        this.cellHome = cellHome;
    }

    @Override
    public void run()
    {
        try
        {
            while (supervised.watching())
            {
                check(System.currentTimeMillis());
                LockSupport.parkNanos(PERIOD_MS * 1_000_000L);
            }
        }
        finally
        {
            mapped.values().forEach(InstanceFile::close);
            mapped.clear();
        }
    }

    private void check(final long nowMs)
    {
        final Map<Launched, Watched> current = new HashMap<>();
        for (final Watched w : supervised.ready())
        {
            if (w.launched().process().isAlive())
            {
                current.put(w.launched(), w);
            }
        }
        for (final Iterator<Map.Entry<Launched, InstanceFile>> it = mapped.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<Launched, InstanceFile> e = it.next();
            if (!current.containsKey(e.getKey()))
            {
                e.getValue().close();
                it.remove();
            }
        }
        for (final Watched w : current.values())
        {
            final InstanceFile file = mapped.computeIfAbsent(w.launched(), this::open);
            if (file == null)
            {
                mapped.remove(w.launched());
                continue;
            }
            final long beat = file.heartbeatEpochMs();
            if (file.state() != InstanceFile.STATE_SERVING || beat <= 0)
            {
                continue;
            }
            final long age = nowMs - beat;
            if (age > w.timeout().toMillis())
            {
                supervised.hung(w, age);
                file.close();
                mapped.remove(w.launched());
            }
        }
    }

    private InstanceFile open(final Launched l)
    {
        for (final InstanceRecord r : InstanceRegistry.live(cellHome, l.cell().name()))
        {
            if (r.pid() == l.process().pid())
            {
                try
                {
                    return InstanceFile.open(r.runDir().resolve(InstanceFile.FILE_NAME));
                }
                catch (final IOException | RuntimeException ex)
                {
                    return null;
                }
            }
        }
        return null;
    }
}
