package dev.cell.runtime.client;

import dev.cell.ring.Idler;
import dev.cell.ring.Junction;
import dev.cell.runtime.CellException;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.session.ClientProxy;
import dev.cell.runtime.session.Protocol;
import dev.cell.runtime.transport.ClientEnd;
import dev.cell.runtime.transport.junction.DoorbellIdleStrategy;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link CellConnection} over any transport (see docs/architecture.md, "Runtime layers"): frames are encoded by a
 * {@link ClientProxy} ({@link RequestSender}), moved by a {@link ClientEnd} (a junction on this host, an axon to
 * another), and decoded by a {@code ClientAdapter} whose listener, {@link Replies}, routes them.
 * <p>
 * Threads: the thread that opened the connection calls without any lock while it is the only user ({@link CallGate});
 * once shared, senders are serialised by a short transmit lock, blocking calls among themselves (one outstanding
 * blocking call per connection, waiting on the calling thread), and whoever holds the receive lock reads the
 * instance's ring and hands replies to the blocking caller or to the futures of {@link #callAsync}. A daemon receiver
 * thread is started on the first async call. The blocking path allocates nothing.
 */
final class TransportConnection implements CellConnection
{
    static final long HOUSEKEEPING_INTERVAL_NS = 100_000_000L;
    private static final int READ_BATCH = 64;

    private final String cell;
    private final ClientContext ctx;
    private final NanoClock nanoClock;
    private final InstanceRecord instance;
    private final ClientEnd transport;
    private final long remoteFingerprint;
    private final long serverPid;
    private final long callTimeoutNs;

    private final CallGate gate = new CallGate(Thread.currentThread());
    private final ReentrantLock callLock = new ReentrantLock();
    private final ReentrantLock rxLock = new ReentrantLock();
    private final AtomicLong correlationIds = new AtomicLong();
    private final ClientSession session;
    private final RequestSender sender;
    private final Replies replies;
    private final DoorbellIdleStrategy syncIdle;
    private final PendingCalls pending = new PendingCalls();

    private Thread receiver;
    private volatile boolean closed;
    private volatile CellException closedCause;
    private boolean released;
    private volatile boolean releaseOnExit;

    TransportConnection(
        final String cell,
        final ClientContext ctx,
        final InstanceRecord instance,
        final ClientEnd transport,
        final long remoteFingerprint,
        final long serverPid)
    {
        this.cell = cell;
        this.ctx = ctx;
        this.nanoClock = ctx.nanoClock();
        this.instance = instance;
        this.transport = transport;
        this.remoteFingerprint = remoteFingerprint;
        this.serverPid = serverPid;
        this.callTimeoutNs = ctx.callTimeoutNs();
        this.session = ctx.options().session() != null ? ctx.options().session() : ClientSession.create();
        this.sender = new RequestSender(transport, session, () -> closed);
        this.replies = new Replies(cell, instance.instanceId(), transport, pending, this::markClosed);
        this.syncIdle = new DoorbellIdleStrategy(ctx.idleProfile(), transport.localDoorbell(), this::syncHasWork);
    }

    static CellConnection open(
        final String cell, final long fingerprint, final Map<String, String> handlers, final ClientOptions options)
    {
        // An endpoint given in the options names one instance: the cell's racing properties do not apply to it.
        final RaceOptions race = options.race() != null ? options.race() :
            options.endpoint() != null ? null : RaceOptions.fromProperties(cell);
        if (race != null)
        {
            return RacingConnection.open(cell, fingerprint, handlers, options, race);
        }
        final ClientContext ctx = ClientContext.of(options);
        if (options.endpoint() != null)
        {
            return AxonConnector.open(cell, fingerprint, handlers, ctx, options.endpoint());
        }
        // A cell's configured endpoint ([deps]) or, without one, an instance the registry lists on another host is
        // for when it does not run on this host: a live local instance is reached through a junction.
        if (InstanceRegistry.live(ctx.cellHome(), cell).isEmpty())
        {
            final Endpoint configured = ctx.endpointOf(cell);
            if (configured != null)
            {
                return AxonConnector.open(cell, fingerprint, handlers, ctx, configured);
            }
            final List<Endpoint> listed = Endpoint.listed(ctx.cellHome(), cell, fingerprint, Set.of());
            if (!listed.isEmpty())
            {
                // one of them at random, so that clients spread over the instances
                return AxonConnector.open(cell, fingerprint, handlers, ctx,
                    listed.get(ThreadLocalRandom.current().nextInt(listed.size())));
            }
        }
        return JunctionConnector.open(cell, fingerprint, handlers, ctx);
    }

    @Override
    public String cell()
    {
        return cell;
    }

    @Override
    public String instanceId()
    {
        return instance.instanceId();
    }

    @Override
    public long remoteFingerprint()
    {
        return remoteFingerprint;
    }

    InstanceRecord instance()
    {
        return instance;
    }

    ClientEnd transport()
    {
        return transport;
    }

    @Override
    public ClientSession session()
    {
        return session;
    }

    @Override
    public Genome genome()
    {
        final boolean unlocked = enterCall();
        try
        {
            checkOpen();
            final long correlationId = correlationIds.incrementAndGet();
            final long deadlineNs = nanoClock.nanoTime() + callTimeoutNs;
            replies.begin(correlationId, null);
            checkSent(sent(sender.genomeRequest(correlationId, !unlocked)), ClientProxy.genomeRequestLength());
            awaitSync(deadlineNs, !unlocked);
            if (replies.state() == Replies.GOT_GENOME)
            {
                return readGenome(replies.genomeJson());
            }
            throw replies.failure();
        }
        finally
        {
            replies.end();
            exitCall(unlocked);
        }
    }

    /**
     * Begin a synchronous exchange: alone on the connection without a lock while no other thread calls, else in turn
     * under the call lock.
     *
     * @return true when it entered without the lock (pass it to {@link #exitCall}).
     */
    private boolean enterCall()
    {
        checkOpen();
        final boolean unlocked = gate.enterUnlocked();
        if (!unlocked)
        {
            gate.share();
            callLock.lock();
        }
        return unlocked;
    }

    private void exitCall(final boolean unlocked)
    {
        if (unlocked)
        {
            gate.exitUnlocked();
        }
        else
        {
            callLock.unlock();
        }
    }

    private Genome readGenome(final String json)
    {
        try
        {
            return Genome.fromJson(json);
        }
        catch (final RuntimeException ex)
        {
            throw new CellException.Rejected(cell, "instance " + instanceId() + " sent a genome that cannot be read: " +
                Protocol.detail(ex.getMessage()));
        }
    }

    @Override
    public boolean isOpen()
    {
        return !closed;
    }

    @Override
    public void call(final DirectBuffer request, final int offset, final int length, final Reply into)
    {
        final boolean unlocked = enterCall();
        try
        {
            checkOpen();
            final long correlationId = correlationIds.incrementAndGet();
            final long deadlineNs = nanoClock.nanoTime() + callTimeoutNs;
            final long deadlineEpochNs = Protocol.epochNanos() + callTimeoutNs;
            replies.begin(correlationId, into);
            checkSent(sent(sender.request(correlationId, deadlineEpochNs, request, offset, length, !unlocked)),
                ClientProxy.requestLength(length));
            awaitSync(deadlineNs, !unlocked);
            if (replies.state() != Replies.GOT_REPLY)
            {
                throw replies.failure();
            }
        }
        finally
        {
            replies.end();
            exitCall(unlocked);
        }
    }

    @Override
    public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
    {
        gate.share();
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        if (closed)
        {
            future.completeExceptionally(closedException());
            return future;
        }
        final long correlationId = correlationIds.incrementAndGet();
        pending.add(correlationId, future, nanoClock.nanoTime() + callTimeoutNs);
        ensureReceiver();
        // A receiver with nothing pending sleeps up to the housekeeping interval (100 ms): a junction's reply rings it
        // awake, an axon's does not (UDP frames are polled), so an async call over an axon waited up to 100 ms for
        // its answer to be read. Wake it to poll at the pace a pending call asks for.
        transport.localDoorbell().signal();
        final int status = sent(sender.request(
            correlationId, Protocol.epochNanos() + callTimeoutNs, request, offset, length, true));
        if (status != Junction.OK)
        {
            pending.remove(correlationId);
            future.completeExceptionally(sendFailure(status, ClientProxy.requestLength(length)));
        }
        return future;
    }

    private int sent(final int status)
    {
        if (status == RequestSender.FAULTED)
        {
            markClosed(ClientFailures.shrank(cell, instanceId()));
            return Junction.CLOSED;
        }
        return status;
    }

    private void checkSent(final int status, final int frameLength)
    {
        if (status != Junction.OK)
        {
            throw sendFailure(status, frameLength);
        }
    }

    private CellException sendFailure(final int status, final int frameLength)
    {
        return switch (status)
        {
            case Junction.BACK_PRESSURED -> new CellException.BackPressure(cell, "the way to instance " +
                instanceId() + " is full (" + transport.describeQueued() + "): the instance is not keeping up; " +
                "nothing was sent");
            case Junction.TOO_LARGE -> new CellException.Rejected(cell, "request frame of " + frameLength +
                " bytes exceeds the session's limit of " + transport.maxMessageLength() + " bytes");
            default -> closedException();
        };
    }

    private void awaitSync(final long deadlineNs, final boolean lock)
    {
        final DoorbellIdleStrategy idle = syncIdle;
        idle.reset();
        long nextCheckNs = nanoClock.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
        while (replies.waiting())
        {
            int work = 0;
            if (!lock)
            {
                work = drain();
            }
            else if (rxLock.tryLock())
            {
                try
                {
                    work = drain();
                }
                finally
                {
                    rxLock.unlock();
                }
                pending.runCompletions();
            }
            if (!replies.waiting())
            {
                return;
            }
            if (closed)
            {
                throw closedException();
            }
            final long nowNs = nanoClock.nanoTime();
            if (nowNs - deadlineNs >= 0)
            {
                throw new CellException.DeadlineExceeded(cell, "no reply from instance " + instanceId() +
                    " within the call timeout of " + callTimeoutNs / 1_000_000 + " ms");
            }
            if (nowNs - nextCheckNs >= 0)
            {
                nextCheckNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
                checkServerAlive();
            }
            idle.maxSleepNs(Math.min(Math.min(deadlineNs - nowNs, nextCheckNs - nowNs), transport.pollIntervalNs()));
            idle.idle(work);
        }
    }

    private boolean syncHasWork()
    {
        return !replies.waiting() || closed || transport.hasInbound();
    }

    private void checkServerAlive()
    {
        if (closed)
        {
            return;
        }
        switch (transport.checkPeer(ctx.epochClock().time(), nanoClock.nanoTime(), ctx.hungTimeoutNs()))
        {
            case ClientEnd.PEER_FAULTED -> markClosed(ClientFailures.shrank(cell, instanceId()));
            case ClientEnd.PEER_GONE ->
            {
                markClosed(new CellException.RemoteCrash(cell, "instance " + instanceId() + " of cell '" + cell +
                    "' (" + transport.describePeer() + ") died while calls were outstanding" +
                    (transport.peerSilentMs() > 0 ? " (silent for " + transport.peerSilentMs() + " ms)" : "")));
                InstanceRegistry.live(ctx.cellHome(), cell);
            }
            case ClientEnd.PEER_HUNG ->
            {
                markClosed(new CellException.Unavailable(cell,
                    ClientFailures.hung(instanceId(), cell, transport.peerSilentMs())));
                transport.markClosed();
            }
            default ->
            {
                // fine
            }
        }
    }

    /**
     * Read replies; the caller holds the receive lock (or the gate unlocked).
     */
    private int drain()
    {
        if (closed)
        {
            return 0;
        }
        final int read;
        try
        {
            read = transport.read(replies, READ_BATCH);
        }
        catch (final InternalError ex)
        {
            // The mapping faulted: the junction file was truncated under it.
            markClosed(ClientFailures.shrank(cell, instanceId()));
            return 1;
        }
        if (read == Junction.CORRUPT)
        {
            markClosed(new CellException.Rejected(cell, "the replies of instance " + instanceId() +
                " cannot be read: " + transport.corruption()));
            return 1;
        }
        if (read == 0 && transport.peerClosed() && !closed)
        {
            markClosed(new CellException.Unavailable(cell, "instance " + instanceId() + " closed the session"));
            return 1;
        }
        return read;
    }

    private void markClosed(final CellException cause)
    {
        if (closedCause == null)
        {
            closedCause = cause;
        }
        closed = true;
        try
        {
            transport.localDoorbell().ring();
        }
        catch (final InternalError ex)
        {
            // The file was truncated under the mapping: waiters notice "closed" at their next check (100 ms).
        }
        pending.failAll(closedCause);
    }

    private CellException closedException()
    {
        return ClientFailures.closed(cell, instanceId(), closedCause);
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw closedException();
        }
    }

    private synchronized void ensureReceiver()
    {
        if (receiver == null && !released)
        {
            receiver = Thread.ofPlatform().daemon(true).name("cell-client-" + cell + "-" + instanceId())
                .unstarted(this::receive);
            replies.receiver(receiver);
            receiver.start();
        }
    }

    private void receive()
    {
        final Idler idler = new Idler(DoorbellIdleStrategy.mode(ctx.idleProfile()), transport.localDoorbell());
        final Idler sleeper = new Idler(Idler.Mode.ECO, transport.localDoorbell(), 0, 0, HOUSEKEEPING_INTERVAL_NS);
        final Idler.WorkCheck check = () -> closed || transport.hasInbound();
        long nextCheckNs = nanoClock.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
        while (!closed)
        {
            int work = 0;
            if (rxLock.tryLock())
            {
                try
                {
                    work = drain();
                }
                finally
                {
                    rxLock.unlock();
                }
            }
            pending.runCompletions();
            final long nowNs = nanoClock.nanoTime();
            if (nowNs - nextCheckNs >= 0)
            {
                nextCheckNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
                checkServerAlive();
                pending.expire(nowNs, () -> new CellException.DeadlineExceeded(cell, "no reply from instance " +
                    instanceId() + " within the call timeout of " + callTimeoutNs / 1_000_000 + " ms"));
            }
            if (!pending.isEmpty())
            {
                idler.idle(work, check, Math.min(nextCheckNs - nowNs, transport.pollIntervalNs()));
            }
            else if (work == 0)
            {
                sleeper.idle(0, check, nextCheckNs - nowNs);
            }
        }
        pending.runCompletions();
        if (releaseOnExit)
        {
            release();
        }
    }

    @Override
    public void close()
    {
        final Thread r;
        synchronized (this)
        {
            if (released)
            {
                return;
            }
            released = true;
            r = receiver;
        }
        if (!closed)
        {
            closedCause = new CellException.Unavailable(cell, "the connection to instance " + instanceId() +
                " was closed by this client");
        }
        closed = true;
        transport.localDoorbell().ring();
        if (r == Thread.currentThread())
        {
            // Closed from a completion on the receiver thread: the transport is still being read below this frame,
            // so the receiver releases it once it has left its loop.
            releaseOnExit = true;
            return;
        }
        if (r != null)
        {
            try
            {
                r.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        release();
    }

    private void release()
    {
        // Closed first, so an unlocked call of the owner ends at its next check; then every caller locks.
        gate.share();
        final ReentrantLock txLock = sender.lock();
        callLock.lock();
        txLock.lock();
        rxLock.lock();
        try
        {
            sender.goodbye();
            pending.failAll(closedCause);
            transport.close();
        }
        finally
        {
            rxLock.unlock();
            txLock.unlock();
            callLock.unlock();
        }
        pending.runCompletions();
    }
}
