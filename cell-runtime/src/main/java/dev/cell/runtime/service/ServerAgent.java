package dev.cell.runtime.service;

import dev.cell.ring.Doorbell;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.transport.ServerEnd;
import dev.cell.runtime.transport.axon.AxonListener;
import dev.cell.runtime.transport.axon.AxonPace;
import dev.cell.runtime.transport.junction.DoorbellIdleStrategy;
import dev.cell.runtime.transport.junction.JunctionAcceptor;
import dev.cell.runtime.transport.junction.ServerJunction;
import dev.cell.sbe.codecs.RejectCode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The instance's duty cycle, an Agrona {@link Agent} run by an {@code AgentRunner} on its own thread with a
 * {@link DoorbellIdleStrategy} ({@link #idleStrategy()}): {@link #onStart()} opens the transport and starts the cell,
 * each {@link #doWork()} accepts new junctions, reads every session's frames ({@link RequestHandler}), sends completed
 * async replies and, every 100 ms, does the housekeeping; {@link #onClose()} says goodbye and removes every file.
 * {@link #stop()}, {@link #wake()} and the accessors are the only cross-thread entry points.
 */
final class ServerAgent implements Agent
{
    private static final int ACCEPT_BATCH = 8;
    /** Sessions at most that have not finished their transport handshake (an axon one lasts up to 5 s). */
    static final int MAX_AUTHENTICATING = 64;
    private static final long DROP_REPORT_NS = 10_000_000_000L;
    private static final int FRAME_BATCH = 64;
    private static final long HOUSEKEEPING_INTERVAL_NS = 100_000_000L;
    private static final int ORPHAN_SWEEP_EVERY = 50;
    private static final long PENDING_SLEEP_NS = 1_000_000L;
    private static final long IDLE_SLEEP_NS = 100_000_000L;

    private final ServerContext ctx;
    private final CellLog log;
    private final EpochClock epochClock;
    private final NanoClock nanoClock;
    private final JunctionAcceptor acceptor;
    private final RequestHandler handler;
    private final DoorbellIdleStrategy idleStrategy;
    private final ManyToOneConcurrentLinkedQueue<AsyncReply> completed = new ManyToOneConcurrentLinkedQueue<>();
    private final ArrayDeque<AsyncReply> deferred = new ArrayDeque<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final List<ServerConnection> connections = new ArrayList<>();
    private final Consumer<ServerJunction> onJunction = this::onSession;
    private final Consumer<ServerEnd> onAxonSession = this::onSession;
    private final AxonPace axonPace = new AxonPace();
    private AxonListener axon;

    private volatile boolean running = true;
    private volatile int connectionCount;
    private int admitted;
    private long droppedHandshakes;
    private long reportedDroppedHandshakes;
    private long droppedReportNs;
    private volatile boolean stoppedIdle;
    private InstanceRecord record;
    private boolean opened;
    private long nextHousekeepingNs;
    private int housekeepingRounds;
    private long lastSeenCalls;
    private long lastActiveNs;

    ServerAgent(final ServerContext ctx)
    {
        this.ctx = ctx;
        this.log = ctx.log();
        this.epochClock = ctx.epochClock();
        this.nanoClock = ctx.nanoClock();
        this.acceptor = new JunctionAcceptor(ctx.cellDir(), ctx.runDir(), log);
        this.handler = new RequestHandler(ctx, acceptor, () -> running, this::onCompleted);
        this.idleStrategy = new DoorbellIdleStrategy(ctx.idleProfile(), this::hasWork);
        this.lastActiveNs = nanoClock.nanoTime();
    }

    @Override
    public String roleName()
    {
        return "cell-" + ctx.instanceId();
    }

    /**
     * @return the strategy the runner idles with between duty cycles (the doorbell is set in {@link #onStart()}).
     */
    DoorbellIdleStrategy idleStrategy()
    {
        return idleStrategy;
    }

    CompletableFuture<Void> started()
    {
        return started;
    }

    InstanceRecord record()
    {
        return record;
    }

    int connectionCount()
    {
        return connectionCount;
    }

    long calls()
    {
        return acceptor.readCalls();
    }

    boolean stoppedIdle()
    {
        return stoppedIdle;
    }

    void stop()
    {
        running = false;
        acceptor.wake();
    }

    void wake()
    {
        acceptor.wake();
    }

    private void onCompleted(final AsyncReply reply)
    {
        completed.offer(reply);
        acceptor.wake();
    }

    @Override
    public void onStart()
    {
        try
        {
            open();
        }
        catch (final Throwable ex)
        {
            started.completeExceptionally(ex);
            throw new AgentTerminationException(ex, true);
        }
        started.complete(null);
    }

    private void open() throws IOException
    {
        acceptor.open(ctx.fingerprint(), ctx.instanceId());
        // What names the instance file's handler slots for its readers (the supervisor's metrics, cell top).
        PrivateFiles.write(ctx.runDir().resolve(HandlerSlots.GENOME_FILE), ctx.genomeJson());
        handler.open();
        final CellLifecycle lifecycle = ctx.lifecycle();
        if (lifecycle != null)
        {
            lifecycle.onStart(new InstanceContext(ctx.cellName(), ctx.instanceId(), ctx.cellDir(), ctx.runDir(), log));
        }
        // onStart may have taken long: beat before serving, so no client takes the start-up time for a hang.
        final AxonOptions axonOptions = ctx.axon();
        if (axonOptions != null)
        {
            axon = openAxon(axonOptions);
        }
        acceptor.heartbeat(epochClock.time());
        acceptor.state(InstanceFile.STATE_SERVING);
        final String latency = ctx.idleProfile().name().toLowerCase(Locale.ROOT);
        record = new InstanceRecord(ctx.cellName(), ctx.instanceId(), Liveness.currentPid(),
            Liveness.currentStartEpochMs(), ctx.runDir(), ctx.cellDir(), Genome.fingerprintHex(ctx.fingerprint()),
            latency, axon == null ? null : axonOptions.advertise() != null ? axonOptions.advertise() : axon.endpoint());
        InstanceRegistry.register(ctx.cellHome(), record);
        opened = true;
        idleStrategy.doorbell(acceptor.doorbell());
        log.info("instance.started",
            "pid", Liveness.currentPid(),
            "fingerprint", Genome.fingerprintHex(ctx.fingerprint()),
            "latency", latency,
            "runDir", ctx.runDir().toString(),
            "futex", Doorbell.futexAvailable());
        nextHousekeepingNs = nanoClock.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
    }

    private AxonListener openAxon(final AxonOptions options)
    {
        final Path keyFile = options.identityFile() != null ? options.identityFile() :
            AxonOptions.identityFileOf(ctx.cellDir());
        final Identity identity = Identity.loadOrCreate(keyFile);
        final AxonListener listener = new AxonListener(options.listen(), identity, options.allowedKeys(),
            options.plaintext(), ctx.cellName());
        log.info("instance.axon",
            "endpoint", listener.endpoint(),
            "advertised", options.advertise() != null ? options.advertise() : listener.endpoint(),
            "identity", identity.publicId(),
            "encrypted", !options.plaintext(),
            "allowedKeys", options.allowedKeys().isEmpty() ? "any" : String.join(",", options.allowedKeys()));
        if (options.allowedKeys().isEmpty() && !options.plaintext())
        {
            log.warn("instance.axon.open", "reason", "no [auth] allowed_keys: any identity that proves itself may call");
        }
        return listener;
    }

    @Override
    public int doWork()
    {
        if (!running)
        {
            throw new AgentTerminationException(true);
        }
        try
        {
            final int work = duty();
            long sleepNs = handler.pendingCount() > 0 ? PENDING_SLEEP_NS : IDLE_SLEEP_NS;
            if (axon != null)
            {
                // Axon frames ring no doorbell: they are polled, at the pace recent traffic sets.
                final long nowNs = nanoClock.nanoTime();
                if (work > 0)
                {
                    axonPace.traffic(nowNs);
                }
                sleepNs = Math.min(sleepNs, axonPace.sleepCapNs(nowNs));
            }
            idleStrategy.maxSleepNs(sleepNs);
            return work;
        }
        catch (final Throwable ex)
        {
            running = false;
            log.error("instance.failed", "error", ex.toString());
            throw new AgentTerminationException(ex, true);
        }
    }

    int duty()
    {
        final long nowNs = nanoClock.nanoTime();
        int work = acceptor.poll(onJunction, ACCEPT_BATCH, nowNs);
        if (axon != null)
        {
            work += axon.poll(onAxonSession, nowNs);
        }
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final ServerConnection conn = connections.get(i);
            try
            {
                work += poll(conn, i);
            }
            catch (final Throwable ex)
            {
                // One junction's failure (its peer's doing or ours) closes that junction only.
                log.error("connection.failed", "junction", conn.name, "error", ex.toString());
                conn.close("failed: " + ex);
                if (i < connections.size() && connections.get(i) == conn)
                {
                    closeConnection(conn, i);
                }
                work++;
            }
        }
        if (handler.isAsync())
        {
            work += drainCompleted();
        }
        if (nowNs - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            housekeeping();
        }
        return work;
    }

    private boolean hasWork()
    {
        if (!running || acceptor.hasAccepts() || !completed.isEmpty() || !deferred.isEmpty())
        {
            return true;
        }
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final ServerConnection c = connections.get(i);
            if (c.end.hasInbound() || c.closing || c.end.peerClosed())
            {
                return true;
            }
        }
        return false;
    }

    private int poll(final ServerConnection conn, final int index)
    {
        int work = 0;
        if (conn.end.hasPending())
        {
            final int status = conn.end.flushPending();
            if (status == Junction.BACK_PRESSURED)
            {
                return 0;
            }
            handler.pendingCleared();
            work++;
            if (status == Junction.CLOSED)
            {
                conn.close("client closed its side");
            }
        }
        if (!conn.admitted)
        {
            admit(conn);
        }
        if (!conn.closing)
        {
            final int read = handler.read(conn, FRAME_BATCH);
            if (read == Junction.CORRUPT)
            {
                handler.refuse(conn, "corrupt session: " + conn.end.corruption());
                work++;
            }
            else
            {
                work += read;
            }
            if (!conn.closing && read == 0 && conn.end.peerClosed())
            {
                conn.close("client closed without goodbye");
            }
        }
        if (conn.closing)
        {
            closeConnection(conn, index);
            work++;
        }
        return work;
    }

    private int drainCompleted()
    {
        int work = 0;
        for (int i = deferred.size(); i > 0; i--)
        {
            work += sendCompleted(deferred.poll());
        }
        AsyncReply r;
        while ((r = completed.poll()) != null)
        {
            work += sendCompleted(r);
        }
        return work;
    }

    private int sendCompleted(final AsyncReply r)
    {
        if (handler.sendCompleted(r))
        {
            return 1;
        }
        deferred.add(r);
        return 0;
    }

    private void onSession(final ServerEnd end)
    {
        if (!end.authenticated() && authenticating() >= MAX_AUTHENTICATING)
        {
            // Unauthenticated callers (or spoofed SETUPs) take none of the places of those who proved themselves.
            end.closeAndDelete();
            droppedHandshakes++;
            return;
        }
        final ServerConnection conn = new ServerConnection(end, epochClock.time());
        connections.add(conn);
        connectionCount = connections.size();
        admit(conn);
    }

    /**
     * Count an authenticated session against the limit (once), refusing it when the limit is reached.
     */
    private void admit(final ServerConnection conn)
    {
        if (conn.admitted || !conn.end.authenticated())
        {
            return;
        }
        conn.admitted = true;
        if (++admitted > ctx.maxConnections())
        {
            handler.reject(conn, RejectCode.TOO_MANY_CONNECTIONS, "instance " + ctx.instanceId() + " has " +
                ctx.maxConnections() + " connections open");
        }
    }

    private int authenticating()
    {
        int n = 0;
        for (int i = 0, size = connections.size(); i < size; i++)
        {
            if (!connections.get(i).admitted)
            {
                n++;
            }
        }
        return n;
    }

    private void closeConnection(final ServerConnection conn, final int index)
    {
        if (conn.end.hasPending())
        {
            handler.pendingCleared();
        }
        if (conn.admitted)
        {
            admitted--;
        }
        final int last = connections.size() - 1;
        connections.set(index, connections.get(last));
        connections.remove(last);
        final String reason = conn.closeReason == null ? "closed" : conn.closeReason;
        if (reason.startsWith("bad frame") || reason.startsWith("corrupt"))
        {
            log.warn("connection.closed", "junction", conn.name, "clientPid", conn.clientPid, "client",
                conn.clientName, "reason", reason);
        }
        else if (conn.welcomed)
        {
            log.info("connection.closed", "junction", conn.name, "clientPid", conn.clientPid, "client",
                conn.clientName, "reason", reason);
        }
        conn.end.closeAndDelete();
        // Published last: whoever sees the lower count also sees the log line and the deleted files.
        connectionCount = connections.size();
    }

    private void housekeeping()
    {
        final long nowMs = epochClock.time();
        final long nowNs = nanoClock.nanoTime();
        acceptor.housekeeping(nowMs, nowNs, ctx.claimTimeoutNs());
        acceptor.idle(idleStrategy.spins(), idleStrategy.sleeps(), idleStrategy.sleptNs(), connections.size());
        if (droppedHandshakes != reportedDroppedHandshakes && nowNs - droppedReportNs >= DROP_REPORT_NS)
        {
            log.warn("axon.handshakes.dropped", "dropped", droppedHandshakes - reportedDroppedHandshakes, "total",
                droppedHandshakes, "reason", MAX_AUTHENTICATING + " sessions were already proving who they are");
            reportedDroppedHandshakes = droppedHandshakes;
            droppedReportNs = nowNs;
        }
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final ServerConnection conn = connections.get(i);
            final String reclaim = conn.end.reclaimReason(nowMs, nowNs, ctx.claimTimeoutNs(),
                ctx.clientTimeoutNs());
            if (reclaim != null)
            {
                log.warn("connection.reclaimed", "junction", conn.name, "clientPid", conn.clientPid, "client",
                    conn.clientName, "reason", reclaim);
                conn.close(reclaim);
                closeConnection(conn, i);
            }
        }
        if (++housekeepingRounds % ORPHAN_SWEEP_EVERY == 0)
        {
            final Set<String> open = new HashSet<>();
            for (final ServerConnection c : connections)
            {
                open.add(c.name);
            }
            acceptor.sweepOrphanJunctions(open);
        }
        if (ctx.idleTimeoutNs() > 0)
        {
            checkIdle(nowNs);
        }
    }

    private void checkIdle(final long nowNs)
    {
        final long calls = acceptor.calls();
        if (calls != lastSeenCalls || !connections.isEmpty())
        {
            lastSeenCalls = calls;
            lastActiveNs = nowNs;
        }
        else if (nowNs - lastActiveNs >= ctx.idleTimeoutNs())
        {
            log.info("instance.apoptosis", "idleMs", (nowNs - lastActiveNs) / 1_000_000L, "calls", calls);
            stoppedIdle = true;
            running = false;
        }
    }

    @Override
    public void onClose()
    {
        if (!opened)
        {
            cleanUpFailedStart();
            return;
        }
        final long calls = acceptor.calls();
        acceptor.state(InstanceFile.STATE_STOPPING);
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final ServerConnection conn = connections.get(i);
            handler.goodbye(conn);
            conn.close("instance stopping");
            closeConnection(conn, i);
        }
        final CellLifecycle lifecycle = ctx.lifecycle();
        if (lifecycle != null)
        {
            try
            {
                lifecycle.onStop();
            }
            catch (final RuntimeException ex)
            {
                log.error("instance.onstop.failed", "error", ex.toString());
            }
        }
        InstanceRegistry.unregister(ctx.cellHome(), ctx.cellName(), ctx.instanceId());
        CloseHelper.quietClose(axon);
        acceptor.closeAndDelete(true);
        InstanceRegistry.deleteTree(ctx.runDir());
        handler.close();
        log.info("instance.stopped", "calls", calls);
    }

    private void cleanUpFailedStart()
    {
        handler.close();
        CloseHelper.quietClose(axon);
        if (acceptor.isOpen())
        {
            acceptor.closeAndDelete(false);
            InstanceRegistry.unregister(ctx.cellHome(), ctx.cellName(), ctx.instanceId());
            InstanceRegistry.reclaimRunDir(ctx.runDir());
        }
    }
}
