package dev.cell.tissue.supervise;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.launch.InstanceLauncher.Launched;

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
 * hands an instance whose heartbeat has not moved for longer than its cell's {@code hung_timeout} to the
 * supervisor, which kills and restarts it. Only instances in state {@code serving} are judged: one that is starting or stopping (an idle
 * instance on its way to dormancy among them) writes no heartbeats and is not hung.
 *
 * @since 0.1
 */
public final class HeartbeatWatch implements Runnable
{
    /**
     * How often heartbeats are read.
     */
    static final long PERIOD_MS = 200;

    /**
     * What the watch needs from its supervisor.
     */
    public interface Supervised
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
    public record Watched(Object slot, Launched launched, Duration timeout)
    {
    }

    private final Supervised supervised;
    private final Path cellHome;
    private final Map<Launched, Tracked> tracked = new HashMap<>();

    /**
     * A mapped instance file, its last heartbeat value and when (monotonic) that value last changed.
     */
    private static final class Tracked
    {
        final InstanceFile file;
        long beat;
        long changedNs;

        Tracked(final InstanceFile file, final long nowNs)
        {
            this.file = file;
            this.beat = file.heartbeatEpochMs();
            this.changedNs = nowNs;
        }
    }

    /**
     * @param supervised the supervisor.
     * @param cellHome   where its instances register.
     */
    public HeartbeatWatch(final Supervised supervised, final Path cellHome)
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
                check(System.nanoTime());
                LockSupport.parkNanos(PERIOD_MS * 1_000_000L);
            }
        }
        finally
        {
            tracked.values().forEach(t -> t.file.close());
            tracked.clear();
        }
    }

    /**
     * Judge every ready instance. The heartbeat's age is measured on this process's monotonic clock, from when its
     * value last changed, not by comparing epoch times: a step of the wall clock (NTP, a VM resumed) would otherwise
     * make every instance look hung at once.
     */
    public void check(final long nowNs)
    {
        final Map<Launched, Watched> current = new HashMap<>();
        for (final Watched w : supervised.ready())
        {
            if (w.launched().process().isAlive())
            {
                current.put(w.launched(), w);
            }
        }
        for (final Iterator<Map.Entry<Launched, Tracked>> it = tracked.entrySet().iterator(); it.hasNext(); )
        {
            final Map.Entry<Launched, Tracked> e = it.next();
            if (!current.containsKey(e.getKey()))
            {
                e.getValue().file.close();
                it.remove();
            }
        }
        for (final Watched w : current.values())
        {
            Tracked t = tracked.get(w.launched());
            if (t == null)
            {
                final InstanceFile file = open(w.launched());
                if (file != null)
                {
                    tracked.put(w.launched(), new Tracked(file, nowNs));
                }
                continue;
            }
            final long beat = t.file.heartbeatEpochMs();
            if (beat != t.beat || t.file.state() != InstanceFile.STATE_SERVING || beat <= 0)
            {
                t.beat = beat;
                t.changedNs = nowNs;
                continue;
            }
            final long ageMs = (nowNs - t.changedNs) / 1_000_000L;
            if (ageMs > w.timeout().toMillis())
            {
                supervised.hung(w, ageMs);
                t.file.close();
                tracked.remove(w.launched());
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
