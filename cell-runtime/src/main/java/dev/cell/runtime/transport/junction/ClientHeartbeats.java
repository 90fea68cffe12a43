package dev.cell.runtime.transport.junction;

import dev.cell.ring.Junction;

import java.util.ArrayList;
import java.util.List;

/**
 * The client side's heartbeat: one daemon thread per JVM, started with the first junction, writes the heartbeat of
 * every open junction every {@link #INTERVAL_MS} ms, idle or not, so an instance can tell a hung or stopped client
 * (its heartbeat stops moving) from a quiet one and reclaim its junction. Between beats it sleeps; with no junction
 * open it waits until one is registered. A junction is unregistered before it is unmapped: the beat and the unmap
 * exclude each other through this class's lock.
 */
public final class ClientHeartbeats
{
    /**
     * Milliseconds between beats.
     */
    public static final long INTERVAL_MS = 250;

    private static final Object LOCK = new Object();
    private static final List<Junction> JUNCTIONS = new ArrayList<>();
    private static Thread thread;

    private ClientHeartbeats()
    {
    }

    /**
     * Beat for {@code junction} until {@link #unregister}; beats once at once.
     *
     * @param junction a client-side junction.
     */
    public static void register(final Junction junction)
    {
        synchronized (LOCK)
        {
            junction.heartbeat(System.currentTimeMillis());
            JUNCTIONS.add(junction);
            if (thread == null)
            {
                thread = Thread.ofPlatform().daemon(true).name("cell-client-heartbeat").unstarted(ClientHeartbeats::run);
                thread.start();
            }
            LOCK.notifyAll();
        }
    }

    /**
     * Stop beating for {@code junction}; after this returns no beat touches it, so it may be unmapped.
     *
     * @param junction a registered junction (unknown ones are ignored).
     */
    public static void unregister(final Junction junction)
    {
        synchronized (LOCK)
        {
            for (int i = JUNCTIONS.size() - 1; i >= 0; i--)
            {
                if (JUNCTIONS.get(i) == junction)
                {
                    JUNCTIONS.remove(i);
                }
            }
        }
    }

    private static void run()
    {
        try
        {
            while (true)
            {
                synchronized (LOCK)
                {
                    while (JUNCTIONS.isEmpty())
                    {
                        LOCK.wait();
                    }
                    final long nowMs = System.currentTimeMillis();
                    for (int i = 0, n = JUNCTIONS.size(); i < n; i++)
                    {
                        final Junction j = JUNCTIONS.get(i);
                        try
                        {
                            if (j.fileIntact())
                            {
                                j.heartbeat(nowMs);
                            }
                        }
                        catch (final InternalError ex)
                        {
                            // Truncated between the size check and the store: that junction's connection notices
                            // (its own size check); the others must keep beating.
                        }
                    }
                }
                Thread.sleep(INTERVAL_MS);
            }
        }
        catch (final InterruptedException ex)
        {
            synchronized (LOCK)
            {
                thread = null;
            }
        }
    }
}
