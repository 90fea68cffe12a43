package dev.cell.runtime.client;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.CellException;
import dev.cell.runtime.discovery.Dormancy;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Genome;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The instances a {@link RacingConnection} keeps connected: this host's live instances of the cell (its run files),
 * the remote endpoints configured for it ({@code cell.endpoint.<cell>}, a comma-separated list) and the instances on
 * other hosts that this host's registry replica lists ({@link RegistryView}; only those with this client's genome
 * fingerprint). A daemon thread
 * reads them again every refresh interval: it connects instances that appeared and endpoints that answer again, and
 * closes members whose instance is gone. Calls see the members as an array that is replaced, never changed.
 * <p>
 * A remote endpoint that does not answer is tried again at the next refresh, each try waiting at most one second,
 * so that one lost host does not hold up the others.
 */
final class RaceMembers implements Runnable
{
    private static final RaceMember[] NONE = {};
    private static final long POLL_NS = 20_000_000L;
    private static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(1);

    private final String cell;
    private final long fingerprint;
    private final Map<String, String> handlers;
    private final ClientContext ctx;
    private final ClientContext reconnectCtx;
    private final long refreshNs;
    private final double hedgePercentile;
    private final Object refreshLock = new Object();
    private final Object publishLock = new Object();
    private volatile RaceMember[] members = NONE;
    private volatile String lastProblem = "none looked for yet";
    private volatile boolean closed;
    private volatile Runnable afterRefresh = () ->
    {
    };
    private CellException refusal;
    private volatile Thread thread;
    private final Queue<CellConnection> dropped = new ConcurrentLinkedQueue<>();

    RaceMembers(
        final String cell, final long fingerprint, final Map<String, String> handlers, final ClientContext ctx,
        final Duration refresh, final double hedgePercentile)
    {
        this.cell = cell;
        this.fingerprint = fingerprint;
        this.handlers = Map.copyOf(handlers);
        this.ctx = ctx;
        final ClientOptions o = ctx.options();
        this.reconnectCtx = ClientContext.of(o.connectTimeout().compareTo(RECONNECT_TIMEOUT) > 0 ?
            o.withConnectTimeout(RECONNECT_TIMEOUT) : o);
        this.refreshNs = refresh.toNanos();
        this.hedgePercentile = hedgePercentile;
    }

    /**
     * @return the members now (an array no one changes).
     */
    RaceMember[] snapshot()
    {
        return members;
    }

    /**
     * @return why the latest target could not be connected.
     */
    String lastProblem()
    {
        return lastProblem;
    }

    /**
     * Connect targets until one accepts, up to the connect timeout.
     *
     * @throws CellException.SchemaMismatch or {@code Rejected} when every instance refused this client for good;
     *                                      {@code Unavailable} when none answered in time.
     */
    void awaitFirst()
    {
        final long deadlineNs = ctx.nanoClock().nanoTime() + ctx.connectTimeoutNs();
        boolean wakeAsked = false;
        while (true)
        {
            refresh(ctx, true);
            if (members.length > 0)
            {
                return;
            }
            if (refusal != null)
            {
                throw refusal;
            }
            if (!wakeAsked && remoteEndpoints(Set.of(), RegistryView.read(ctx.cellHome(), cell)).isEmpty())
            {
                wakeAsked = true;
                Dormancy.wake(ctx.cellHome(), cell);
            }
            if (ctx.nanoClock().nanoTime() - deadlineNs >= 0)
            {
                throw new CellException.Unavailable(cell, "no live instance of cell '" + cell + "' answered within " +
                    ctx.options().connectTimeout().toMillis() + " ms (cell home " + ctx.cellHome() + "; " +
                    lastProblem + "). Start one (cell up) or check `cell ps`.");
            }
            LockSupport.parkNanos(POLL_NS);
        }
    }

    /**
     * @param task what the refreshing thread runs after each refresh (the connection's report); set before
     *             {@link #start}.
     */
    void afterRefresh(final Runnable task)
    {
        afterRefresh = task;
    }

    /**
     * Start the refreshing thread.
     */
    void start()
    {
        thread = new Thread(this, "cell-race-" + cell);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run()
    {
        while (!closed)
        {
            LockSupport.parkNanos(refreshNs);
            closeDropped();
            if (closed)
            {
                return;
            }
            try
            {
                refresh(reconnectCtx, false);
                afterRefresh.run();
            }
            catch (final RuntimeException ex)
            {
                lastProblem = "refresh failed: " + ex;
            }
        }
    }

    /**
     * Read the targets again now, off the refreshing thread (an instance was just started here for this client).
     */
    void refreshNow()
    {
        if (!closed)
        {
            refresh(reconnectCtx, false);
        }
    }

    /**
     * Read the targets again: drop closed members and those whose instance is gone, connect new ones.
     *
     * @param with      the settings to connect with.
     * @param firstOnly stop once there is one member (opening).
     */
    void refresh(final ClientContext with, final boolean firstOnly)
    {
        synchronized (refreshLock)
        {
            final List<InstanceRecord> live = new ArrayList<>(InstanceRegistry.live(ctx.cellHome(), cell));
            final Set<String> wanted = new HashSet<>();
            for (final InstanceRecord r : live)
            {
                wanted.add(r.instanceId());
            }
            final List<RegistryView.Entry> view = RegistryView.read(ctx.cellHome(), cell); // once per refresh
            final List<Endpoint> endpoints = remoteEndpoints(wanted, view);
            for (final Endpoint e : endpoints)
            {
                wanted.add(axonId(e));
            }
            for (final RaceMember m : members)
            {
                if (!m.connection.isOpen() || !wanted.contains(m.id))
                {
                    drop(m);
                }
            }
            if (fingerprint != 0)
            {
                final String hex = Genome.fingerprintHex(fingerprint);
                live.sort((a, b) -> Boolean.compare(!hex.equals(a.fingerprint()), !hex.equals(b.fingerprint())));
            }
            for (final InstanceRecord r : live)
            {
                if (closed || firstOnly && members.length > 0)
                {
                    return;
                }
                if (!has(r.instanceId()))
                {
                    connect(r.instanceId(), "instance " + r.instanceId(), true, () ->
                        JunctionConnector.openInstance(cell, fingerprint, handlers, with, r));
                }
            }
            for (final Endpoint e : endpoints)
            {
                if (closed || firstOnly && members.length > 0)
                {
                    return;
                }
                if (!has(axonId(e)))
                {
                    connect(axonId(e), e.toString(), false, () -> AxonConnector.open(cell, fingerprint, handlers, with, e));
                }
            }
            readQueueDepths(live, view);
        }
    }

    /**
     * Give each member the queue depth its instance reported: this host's from their instance files (now), other
     * hosts' from the registry's view (as of the leader's last digest).
     */
    private void readQueueDepths(final List<InstanceRecord> live, final List<RegistryView.Entry> view)
    {
        final Map<String, Integer> depths = new java.util.HashMap<>();
        for (final InstanceRecord r : live)
        {
            depths.put(r.instanceId(), (int)Math.min(Integer.MAX_VALUE,
                InstanceFile.readQueueDepth(r.runDir().resolve(InstanceFile.FILE_NAME))));
        }
        for (final RegistryView.Entry v : view)
        {
            try
            {
                depths.put(axonId(Endpoint.parse(v.axon(), null)), v.load().queueDepth());
            }
            catch (final IllegalArgumentException malformed)
            {
                // not a member either
            }
        }
        for (final RaceMember m : members)
        {
            m.reportedQueueDepth(depths.getOrDefault(m.id, 0));
        }
    }

    private interface Opener
    {
        CellConnection open();
    }

    private void connect(final String id, final String where, final boolean local, final Opener opener)
    {
        final CellConnection c;
        try
        {
            c = opener.open();
        }
        catch (final CellException.SchemaMismatch | CellException.Rejected ex)
        {
            refusal = ex;
            lastProblem = where + ": " + ex.getMessage();
            return;
        }
        catch (final CellException ex)
        {
            lastProblem = where + ": " + ex.getMessage();
            return;
        }
        synchronized (publishLock)
        {
            if (!closed)
            {
                final RaceMember[] now = members;
                final RaceMember[] next = Arrays.copyOf(now, now.length + 1);
                next[now.length] = new RaceMember(id, where, c, hedgePercentile, local);
                members = next;
                return;
            }
        }
        c.close();
    }

    private boolean has(final String id)
    {
        for (final RaceMember m : members)
        {
            if (m.id.equals(id))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Remove a member and close its connection (it failed, or its instance is gone).
     *
     * @param m the member.
     */
    void drop(final RaceMember m)
    {
        boolean removed = false;
        synchronized (publishLock)
        {
            final RaceMember[] now = members;
            for (int i = 0; i < now.length; i++)
            {
                if (now[i] == m)
                {
                    final RaceMember[] next = new RaceMember[now.length - 1];
                    System.arraycopy(now, 0, next, 0, i);
                    System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                    members = next;
                    removed = true;
                    break;
                }
            }
        }
        if (removed)
        {
            lastProblem = m.where + " was dropped (its connection failed or its instance is gone)";
            final Thread refresher = thread;
            if (refresher == null)
            {
                m.connection.close();
                return;
            }
            // Closed by the refreshing thread: a close releases transport resources (Aeron's, loading classes the
            // first time), which took 16 ms on the calling thread of a call that had to go on to another instance.
            dropped.add(m.connection);
            LockSupport.unpark(refresher);
        }
    }

    private void closeDropped()
    {
        CellConnection c;
        while ((c = dropped.poll()) != null)
        {
            c.close();
        }
    }

    /**
     * Stop refreshing and close every member.
     */
    void close()
    {
        final RaceMember[] last;
        synchronized (publishLock)
        {
            closed = true;
            last = members;
            members = NONE;
        }
        if (thread != null)
        {
            LockSupport.unpark(thread);
        }
        for (final RaceMember m : last)
        {
            m.connection.close();
        }
        closeDropped();
    }

    /**
     * @param local the ids of this host's live instances (reached over junctions, not again over their axons).
     * @return the configured endpoints, then those of the registry's view of other hosts' instances.
     */
    private List<Endpoint> remoteEndpoints(final Set<String> local, final List<RegistryView.Entry> view)
    {
        final List<Endpoint> endpoints = new ArrayList<>(ctx.endpointsOf(cell));
        final Set<String> addresses = new HashSet<>();
        endpoints.forEach(e -> addresses.add(e.address()));
        for (final Endpoint e : Endpoint.listed(view, fingerprint, local))
        {
            if (addresses.add(e.address()))
            {
                endpoints.add(e);
            }
        }
        return endpoints;
    }

    private static String axonId(final Endpoint e)
    {
        return "axon:" + e.address();
    }
}
