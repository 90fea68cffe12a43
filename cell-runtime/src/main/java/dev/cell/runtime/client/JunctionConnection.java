package dev.cell.runtime.client;

import dev.cell.ring.FrameHandler;
import dev.cell.ring.Idler;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.JunctionDescriptor;
import dev.cell.ring.Liveness;
import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.Protocol;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.GenomeRequestEncoder;
import dev.cell.sbe.codecs.GenomeResponseDecoder;
import dev.cell.sbe.codecs.GoodbyeDecoder;
import dev.cell.sbe.codecs.GoodbyeEncoder;
import dev.cell.sbe.codecs.HelloEncoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.Outcome;
import dev.cell.sbe.codecs.RequestEncoder;
import dev.cell.sbe.codecs.ResponseDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.AtomicBuffer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link CellConnection} over a junction (see docs/architecture.md, "Junctions").
 * <p>
 * Threads: senders are serialised by a short transmit lock; blocking calls are serialised among themselves (one
 * outstanding blocking call per connection) and wait on the calling thread; whoever holds the receive lock reads the
 * server→client ring and hands replies to the blocking caller or to the futures of {@link #callAsync}. A daemon
 * receiver thread is started on the first async call. The blocking path allocates nothing.
 */
final class JunctionConnection implements CellConnection
{
    static final long HOUSEKEEPING_INTERVAL_NS = 100_000_000L;
    private static final int READ_BATCH = 64;
    private static final long DISCOVERY_POLL_NS = 20_000_000L;
    private static final AtomicInteger JUNCTION_COUNTER = new AtomicInteger();

    private static final int WAITING = 0;
    private static final int GOT_REPLY = 1;
    private static final int GOT_FAILURE = 2;
    private static final int GOT_GENOME = 3;

    private final String cell;
    private final ClientOptions options;
    private final long fingerprint;
    private final InstanceRecord instance;
    private final InstanceFile instanceFile;
    private final Junction junction;
    private final long remoteFingerprint;
    private final long serverPid;
    private final long callTimeoutNs;
    private final long hungTimeoutNs;
    private final Object beatLock = new Object();
    private long lastServerBeat;
    private long serverBeatSeenNs;

    private final ReentrantLock callLock = new ReentrantLock();
    private final ReentrantLock txLock = new ReentrantLock();
    private final ReentrantLock rxLock = new ReentrantLock();
    private final AtomicLong correlationIds = new AtomicLong();
    private final ClientSession session;
    private final long[] callSession = new long[3];
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final RequestEncoder requestEncoder = new RequestEncoder();
    private final GenomeRequestEncoder genomeRequestEncoder = new GenomeRequestEncoder();
    private final GoodbyeEncoder goodbyeEncoder = new GoodbyeEncoder();
    private final ResponseDecoder responseDecoder = new ResponseDecoder();
    private final FailureDecoder failureDecoder = new FailureDecoder();
    private final GenomeResponseDecoder genomeResponseDecoder = new GenomeResponseDecoder();
    private final GoodbyeDecoder goodbyeDecoder = new GoodbyeDecoder();
    private final InboundFrame inbound;
    private final FrameHandler rxHandler = this::onFrame;
    private final Idler syncIdler;
    private final Idler.WorkCheck syncCheck = this::syncHasWork;

    private volatile long syncCorrelationId;
    private volatile int syncState;
    private Reply syncReply;
    private FailureCode syncFailureCode;
    private String syncFailureDetail;
    private String syncGenomeJson;

    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    private final List<Runnable> completions = new ArrayList<>();
    private Thread receiver;

    private volatile boolean closed;
    private volatile CellException closedCause;
    private boolean released;

    private record Pending(CompletableFuture<Reply> future, long deadlineNs)
    {
    }

    private JunctionConnection(
        final String cell,
        final ClientOptions options,
        final long fingerprint,
        final InstanceRecord instance,
        final InstanceFile instanceFile,
        final Junction junction,
        final long remoteFingerprint,
        final long serverPid)
    {
        this.cell = cell;
        this.options = options;
        this.fingerprint = fingerprint;
        this.instance = instance;
        this.instanceFile = instanceFile;
        this.junction = junction;
        this.remoteFingerprint = remoteFingerprint;
        this.serverPid = serverPid;
        this.callTimeoutNs = options.callTimeout().toNanos();
        this.hungTimeoutNs = hungTimeoutNs(options);
        this.lastServerBeat = junction.peerHeartbeatEpochMs();
        this.serverBeatSeenNs = System.nanoTime();
        this.session = options.session() != null ? options.session() : ClientSession.create();
        this.syncIdler = new Idler(mode(options.idleProfile()), junction.localDoorbell());
        this.inbound = new InboundFrame(junction.maxMessageLength());
    }

    private static long hungTimeoutNs(final ClientOptions options)
    {
        final java.time.Duration hung = options.hungTimeout();
        return hung == null ? ClientOptions.DEFAULT_HUNG_TIMEOUT_MS * 1_000_000L : Math.max(1, hung.toNanos());
    }

    static Idler.Mode mode(final IdleProfile profile)
    {
        return profile == IdleProfile.SPIN ? Idler.Mode.SPIN : Idler.Mode.ECO;
    }

    /**
     * Discover a live instance of {@code cell}, open a junction to it and handshake.
     *
     * @param cell        the cell.
     * @param fingerprint the fingerprint the caller was built against, 0 for any.
     * @param options     options.
     * @return the connection.
     */
    static CellConnection open(final String cell, final long fingerprint, final ClientOptions options)
    {
        return open(cell, fingerprint, Map.of(), options);
    }

    /**
     * Discover a live instance of {@code cell}, open a junction to it and handshake, naming the handlers the caller
     * uses: the instance accepts when each is compatible, whatever its whole fingerprint. Once accepted the use is
     * recorded under the cell home ({@link ConsumerRegistry}) so that the producer's build can guard it.
     *
     * @param cell        the cell's served name.
     * @param fingerprint the fingerprint the caller was built against (preferred among instances), 0 for any.
     * @param handlers    handler name → handler fingerprint; empty: judged by the whole fingerprint.
     * @param options     options.
     * @return the connection.
     */
    static CellConnection open(
        final String cell, final long fingerprint, final Map<String, String> handlers, final ClientOptions options)
    {
        final long deadlineNs = System.nanoTime() + options.connectTimeout().toNanos();
        String lastProblem = "no instance registered under " + InstanceRegistry.dir(options.cellHome()).resolve(cell);
        CellException.SchemaMismatch mismatch = null;
        CellException.Rejected malformed = null;
        boolean wakeAsked = false;
        while (true)
        {
            final List<InstanceRecord> live = new ArrayList<>(InstanceRegistry.live(options.cellHome(), cell));
            if (live.isEmpty() && !wakeAsked)
            {
                wakeAsked = true;
                final String why = dev.cell.runtime.discovery.Dormancy.wake(options.cellHome(), cell);
                if (why == null)
                {
                    lastProblem = "the cell was dormant (idle timeout); its supervisor was asked to start an instance";
                }
            }
            if (fingerprint != 0)
            {
                final String hex = Genome.fingerprintHex(fingerprint);
                live.sort((a, b) -> Boolean.compare(!hex.equals(a.fingerprint()), !hex.equals(b.fingerprint())));
            }
            for (final InstanceRecord record : live)
            {
                try
                {
                    return connect(cell, fingerprint, handlers, options, record, deadlineNs);
                }
                catch (final CellException.SchemaMismatch ex)
                {
                    mismatch = ex;
                }
                catch (final Unreachable ex)
                {
                    if (ex.malformed)
                    {
                        malformed = new CellException.Rejected(cell, ex.getMessage());
                    }
                    lastProblem = "instance " + record.instanceId() + ": " + ex.getMessage();
                }
            }
            if (mismatch != null)
            {
                throw mismatch;
            }
            if (malformed != null)
            {
                // Each instance that answered lied about its frames: waiting would not change that.
                throw malformed;
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new CellException.Unavailable(cell, "no live instance of cell '" + cell + "' answered within " +
                    options.connectTimeout().toMillis() + " ms (cell home " + options.cellHome() + "; " + lastProblem +
                    "). Start one (cell up) or check `cell ps`.");
            }
            LockSupport.parkNanos(DISCOVERY_POLL_NS);
        }
    }

    /**
     * Failure to reach one instance: try another or retry.
     */
    private static final class Unreachable extends Exception
    {
        private static final long serialVersionUID = 1L;

        private final boolean malformed;

        Unreachable(final String message)
        {
            this(message, false);
        }

        Unreachable(final String message, final boolean malformed)
        {
            super(message, null, false, false);
            this.malformed = malformed;
        }
    }

    private static JunctionConnection connect(
        final String cell,
        final long fingerprint,
        final Map<String, String> handlers,
        final ClientOptions options,
        final InstanceRecord record,
        final long deadlineNs) throws Unreachable
    {
        final InstanceFile instanceFile;
        try
        {
            instanceFile = InstanceFile.open(record.runDir().resolve(InstanceFile.FILE_NAME));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new Unreachable("cannot map its instance file: " + ex.getMessage());
        }
        Junction junction = null;
        boolean ok = false;
        try
        {
            if (instanceFile.state() != InstanceFile.STATE_SERVING)
            {
                throw new Unreachable("not serving (state " + instanceFile.state() + ")");
            }
            final long hungNs = hungTimeoutNs(options);
            final long beatAgeMs = System.currentTimeMillis() - instanceFile.heartbeatEpochMs();
            if (beatAgeMs * 1_000_000L > hungNs)
            {
                throw new Unreachable(hung(record.instanceId(), cell, beatAgeMs));
            }
            final int capacity = Integer.getInteger("cell.junction.capacity", JunctionDescriptor.DEFAULT_CAPACITY);
            final Path junctions = record.runDir().resolve("junctions");
            String name = null;
            for (int attempt = 0; junction == null; attempt++)
            {
                name = Liveness.currentPid() + "-" + JUNCTION_COUNTER.incrementAndGet() + ".junction";
                try
                {
                    junction = Junction.create(junctions.resolve(name), capacity, capacity);
                }
                catch (final FileAlreadyExistsException ex)
                {
                    if (attempt > 100)
                    {
                        throw new Unreachable("cannot create a junction file in " + junctions);
                    }
                }
                catch (final IOException ex)
                {
                    if (String.valueOf(ex.getMessage()).contains("no space"))
                    {
                        // Not a problem of this instance that another try could solve: say it at once.
                        throw new CellException.Unavailable(cell, "cannot connect to instance " +
                            record.instanceId() + " of cell '" + cell + "': " + ex.getMessage());
                    }
                    throw new Unreachable("cannot create a junction file in " + junctions + ": " + ex);
                }
            }
            ClientHeartbeats.register(junction);
            junction.peerDoorbell(instanceFile.doorbell());
            final ExpandableArrayBuffer hello = new ExpandableArrayBuffer(256);
            final HelloEncoder helloEncoder = new HelloEncoder().wrapAndApplyHeader(hello, 0, new MessageHeaderEncoder())
                .clientPid(Liveness.currentPid())
                .fingerprint(fingerprint)
                .protocolVersion(Protocol.PROTOCOL_VERSION)
                .cell(cell)
                .clientName(options.clientName() == null ? "" : options.clientName())
                .handlers(handlerList(handlers));
            if (junction.send(Protocol.FRAME_TYPE_ID, hello, 0, Protocol.HEADER_LENGTH + helloEncoder.encodedLength()) !=
                Junction.OK)
            {
                throw new Unreachable("cannot write Hello");
            }
            if (!instanceFile.post(name))
            {
                throw new Unreachable("its accept ring is full or it stopped serving");
            }
            final Handshake handshake = new Handshake(junction.maxMessageLength());
            final Idler idler = new Idler(mode(options.idleProfile()), junction.localDoorbell());
            long nextCheckNs = System.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
            long instanceBeat = instanceFile.heartbeatEpochMs();
            long instanceBeatSeenNs = System.nanoTime();
            final Junction j = junction;
            while (handshake.state == Handshake.WAITING)
            {
                final int read = junction.read(handshake, 4);
                if (read == Junction.CORRUPT)
                {
                    throw new Unreachable("corrupt reply ring: " + junction.corruption());
                }
                if (handshake.state != Handshake.WAITING)
                {
                    break;
                }
                final long nowNs = System.nanoTime();
                if (nowNs - deadlineNs >= 0)
                {
                    throw new Unreachable("no Welcome before the connect timeout");
                }
                if (junction.peerClosed() && !junction.hasInbound())
                {
                    throw new Unreachable("it closed the junction without a reply");
                }
                if (nowNs - nextCheckNs >= 0)
                {
                    nextCheckNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
                    if (!instanceFile.ownerAlive())
                    {
                        throw new Unreachable("its process " + instanceFile.pid() + " is gone");
                    }
                    final long beat = instanceFile.heartbeatEpochMs();
                    if (beat != instanceBeat)
                    {
                        instanceBeat = beat;
                        instanceBeatSeenNs = nowNs;
                    }
                    else if (nowNs - instanceBeatSeenNs >= hungNs)
                    {
                        throw new Unreachable(hung(record.instanceId(), cell, System.currentTimeMillis() - beat));
                    }
                }
                idler.idle(read, () -> j.hasInbound() || j.peerClosed(),
                    Math.min(deadlineNs - nowNs, nextCheckNs - nowNs));
            }
            if (handshake.state == Handshake.MALFORMED)
            {
                throw new Unreachable(malformed(record.instanceId(), handshake.reason), true);
            }
            if (handshake.state == Handshake.REJECTED)
            {
                final String theirs = Genome.fingerprintHex(handshake.fingerprint);
                switch (handshake.rejectCode)
                {
                    case SCHEMA_MISMATCH -> throw new CellException.SchemaMismatch(cell,
                        Genome.fingerprintHex(fingerprint), theirs,
                        "cell '" + cell + "': this client was built against genome " +
                        Genome.fingerprintHex(fingerprint) + " but instance " + record.instanceId() + " runs genome " +
                        theirs + ". Rebuild the client against the running cell (or run the cell version the client " +
                        "was built for). Instance says: " + handshake.reason);
                    case STOPPING, TOO_MANY_CONNECTIONS -> throw new Unreachable(handshake.reason);
                    default -> throw new CellException.Rejected(cell, "instance " + record.instanceId() +
                        " refused the connection (" + handshake.rejectCode + "): " + handshake.reason);
                }
            }
            if (!handlers.isEmpty())
            {
                recordUse(cell, handlers, options);
            }
            final JunctionConnection connection = new JunctionConnection(cell, options, fingerprint,
                new InstanceRecord(record.cell(), handshake.instanceId, record.pid(), record.startEpochMs(),
                record.runDir(), record.cellDir(), record.fingerprint(), record.latency()),
                instanceFile, junction, handshake.fingerprint, handshake.serverPid);
            ok = true;
            return connection;
        }
        finally
        {
            if (!ok)
            {
                if (junction != null)
                {
                    ClientHeartbeats.unregister(junction);
                    junction.closeAndDelete();
                }
                instanceFile.close();
            }
        }
    }

    /**
     * What a connection says when the instance sent a frame that fails the protocol check.
     */
    private static String malformed(final String instanceId, final String problem)
    {
        return "instance " + instanceId + " sent a malformed frame: " + problem;
    }

    private static String hung(final String instanceId, final String cell, final long ageMs)
    {
        return "instance " + instanceId + " of cell '" + cell + "' has not heartbeaten for " + ageMs +
            " ms: hung or stopped";
    }

    private static String handlerList(final Map<String, String> handlers)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, String> e : new TreeMap<>(handlers).entrySet())
        {
            if (!sb.isEmpty())
            {
                sb.append(',');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    private static void recordUse(final String cell, final Map<String, String> handlers, final ClientOptions options)
    {
        try
        {
            ConsumerRegistry.record(options.cellHome(), cell,
                options.clientName() == null ? "" : options.clientName(), handlers);
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("cell: cannot record this consumer's use of cell '" + cell + "' under " +
                ConsumerRegistry.dir(options.cellHome(), cell) + " (" + ex + "); the producer's build cannot guard " +
                "the handlers it uses");
        }
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

    /**
     * @return the instance this connection reached.
     */
    InstanceRecord instance()
    {
        return instance;
    }

    /**
     * @return the junction file.
     */
    Path junctionPath()
    {
        return junction.path();
    }

    @Override
    public ClientSession session()
    {
        return session;
    }

    @Override
    public Genome genome()
    {
        checkOpen();
        callLock.lock();
        try
        {
            checkOpen();
            final long correlationId = correlationIds.incrementAndGet();
            final long deadlineNs = System.nanoTime() + callTimeoutNs;
            syncReply = null;
            syncState = WAITING;
            syncCorrelationId = correlationId;
            checkSent(sendGenomeRequest(correlationId), length(0));
            awaitSync(deadlineNs);
            if (syncState == GOT_GENOME)
            {
                return readGenome(syncGenomeJson);
            }
            throw failure(syncFailureCode, syncFailureDetail);
        }
        finally
        {
            syncCorrelationId = 0;
            syncGenomeJson = null;
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

    private int sendGenomeRequest(final long correlationId)
    {
        txLock.lock();
        try
        {
            final int length = Protocol.HEADER_LENGTH + GenomeRequestEncoder.BLOCK_LENGTH;
            final int index = junction.claim(Protocol.FRAME_TYPE_ID, length);
            if (index < 0)
            {
                return index;
            }
            try
            {
                genomeRequestEncoder.wrapAndApplyHeader(junction.outboundBuffer(), index, headerEncoder)
                    .correlationId(correlationId);
            }
            catch (final Throwable ex)
            {
                // Never leave a claim uncommitted: the instance would close the junction as stuck.
                junction.abort(index);
                throw ex;
            }
            junction.commit(index);
            return Junction.OK;
        }
        catch (final InternalError ex)
        {
            // The mapping faulted: the junction file was truncated under it.
            markClosed(shrank());
            return Junction.CLOSED;
        }
        finally
        {
            txLock.unlock();
        }
    }

    private static int length(final int appLength)
    {
        return Protocol.REQUEST_PREFIX_LENGTH + appLength;
    }

    @Override
    public void call(final DirectBuffer request, final int offset, final int length, final Reply into)
    {
        checkOpen();
        callLock.lock();
        try
        {
            checkOpen();
            final long correlationId = correlationIds.incrementAndGet();
            final long deadlineNs = System.nanoTime() + callTimeoutNs;
            final long deadlineEpochNs = Protocol.epochNanos() + callTimeoutNs;
            syncReply = into;
            syncState = WAITING;
            syncCorrelationId = correlationId;
            checkSent(sendRequest(correlationId, deadlineEpochNs, request, offset, length), length(length));
            awaitSync(deadlineNs);
            if (syncState != GOT_REPLY)
            {
                throw failure(syncFailureCode, syncFailureDetail);
            }
        }
        finally
        {
            syncCorrelationId = 0;
            syncReply = null;
            callLock.unlock();
        }
    }

    @Override
    public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
    {
        final CompletableFuture<Reply> future = new CompletableFuture<>();
        if (closed)
        {
            future.completeExceptionally(closedException());
            return future;
        }
        final long correlationId = correlationIds.incrementAndGet();
        final long deadlineNs = System.nanoTime() + callTimeoutNs;
        synchronized (pending)
        {
            pending.put(correlationId, new Pending(future, deadlineNs));
        }
        ensureReceiver();
        final int status = sendRequest(correlationId, Protocol.epochNanos() + callTimeoutNs, request, offset, length);
        if (status != Junction.OK)
        {
            synchronized (pending)
            {
                pending.remove(correlationId);
            }
            future.completeExceptionally(sendFailure(status, length(length)));
        }
        return future;
    }

    private int sendRequest(
        final long correlationId,
        final long deadlineEpochNs,
        final DirectBuffer request,
        final int offset,
        final int length)
    {
        txLock.lock();
        try
        {
            if (closed)
            {
                return Junction.CLOSED;
            }
            final int index = junction.claim(Protocol.FRAME_TYPE_ID, Protocol.REQUEST_PREFIX_LENGTH + length);
            if (index < 0)
            {
                return index;
            }
            final AtomicBuffer buffer = junction.outboundBuffer();
            try
            {
                session.forCall(callSession);
                requestEncoder.wrapAndApplyHeader(buffer, index, headerEncoder)
                    .correlationId(correlationId)
                    .sessionHigh(callSession[0])
                    .sessionLow(callSession[1])
                    .sequence(callSession[2])
                    .traceIdHigh(0)
                    .traceIdLow(0)
                    .parentSpanId(0)
                    .traceFlags((short)0)
                    .deadlineEpochNs(deadlineEpochNs);
                buffer.putBytes(index + Protocol.REQUEST_PREFIX_LENGTH, request, offset, length);
            }
            catch (final Throwable ex)
            {
                // E.g. a request buffer shorter than offset + length: give the slot back, or the instance would
                // wait on an uncommitted claim and close the junction as stuck.
                junction.abort(index);
                throw ex;
            }
            junction.commit(index);
            return Junction.OK;
        }
        catch (final InternalError ex)
        {
            // The mapping faulted: the junction file was truncated under it.
            markClosed(shrank());
            return Junction.CLOSED;
        }
        finally
        {
            txLock.unlock();
        }
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
            case Junction.BACK_PRESSURED -> new CellException.BackPressure(cell, "the junction to instance " +
                instanceId() + " is full (" + junction.outboundSize() + " of " + junction.outboundCapacity() +
                " bytes queued): the instance is not keeping up; nothing was sent");
            case Junction.TOO_LARGE -> new CellException.Rejected(cell, "request frame of " + frameLength +
                " bytes exceeds the junction's limit of " + junction.maxMessageLength() + " bytes");
            default -> closedException();
        };
    }

    private void awaitSync(final long deadlineNs)
    {
        final Idler idler = syncIdler;
        idler.reset();
        long nextCheckNs = System.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
        while (syncState == WAITING)
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
                runCompletions();
            }
            if (syncState != WAITING)
            {
                return;
            }
            if (closed)
            {
                throw closedException();
            }
            final long nowNs = System.nanoTime();
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
            idler.idle(work, syncCheck, Math.min(deadlineNs - nowNs, nextCheckNs - nowNs));
        }
    }

    private boolean syncHasWork()
    {
        return syncState != WAITING || closed || junction.hasInbound();
    }

    private void checkServerAlive()
    {
        if (closed)
        {
            return;
        }
        try
        {
            if (!junction.fileIntact())
            {
                markClosed(shrank());
                return;
            }
            junction.heartbeat(System.currentTimeMillis());
        }
        catch (final InternalError ex)
        {
            markClosed(shrank());
            return;
        }
        if (!junction.peerAlive())
        {
            markClosed(new CellException.RemoteCrash(cell, "instance " + instanceId() + " of cell '" + cell +
                "' (pid " + serverPid + ") died while calls were outstanding"));
            InstanceRegistry.live(options.cellHome(), cell);
            return;
        }
        checkServerBeat();
    }

    private CellException shrank()
    {
        return new CellException.Unavailable(cell, "the junction file to instance " + instanceId() + " of cell '" +
            cell + "' shrank: it was truncated by another process");
    }

    /**
     * The instance's heartbeat in the junction header moves every 100 ms while its duty cycle runs; judged by this
     * process's monotonic clock (a wall clock step cannot fake a hang): when it stood still for the hung timeout,
     * every outstanding call fails with {@code Unavailable} and the connection closes.
     */
    private void checkServerBeat()
    {
        final long nowNs = System.nanoTime();
        final long stillNs;
        final long beat;
        synchronized (beatLock)
        {
            beat = junction.peerHeartbeatEpochMs();
            if (beat != lastServerBeat)
            {
                lastServerBeat = beat;
                serverBeatSeenNs = nowNs;
                return;
            }
            stillNs = nowNs - serverBeatSeenNs;
        }
        if (stillNs >= hungTimeoutNs)
        {
            final long ageMs = Math.max(stillNs / 1_000_000L, System.currentTimeMillis() - beat);
            markClosed(new CellException.Unavailable(cell, hung(instanceId(), cell, ageMs)));
            junction.markClosed();
        }
    }

    /**
     * Read replies; caller holds the receive lock.
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
            read = junction.read(rxHandler, READ_BATCH);
        }
        catch (final InternalError ex)
        {
            // The mapping faulted: the junction file was truncated under it.
            markClosed(shrank());
            return 1;
        }
        if (read == Junction.CORRUPT)
        {
            markClosed(new CellException.Rejected(cell, "the reply ring from instance " + instanceId() +
                " is corrupt: " + junction.corruption()));
            return 1;
        }
        if (read == 0 && junction.peerClosed() && !closed)
        {
            markClosed(new CellException.Unavailable(cell, "instance " + instanceId() + " closed the junction"));
            return 1;
        }
        return read;
    }

    /**
     * A frame as it lies in the ring: copied out and checked ({@link InboundFrame}) before anything of it is decoded.
     * A frame that fails the check closes the connection: every outstanding call fails with {@code Rejected} ("instance
     * X sent a malformed frame: …"), since nothing else the instance sends on this junction can be trusted either.
     */
    private boolean onFrame(final int msgTypeId, final DirectBuffer ring, final int index, final int length)
    {
        final int taken = inbound.take(msgTypeId, ring, index, length);
        if (taken == InboundFrame.MALFORMED)
        {
            refuseFrame(inbound.problem());
            return false;
        }
        if (taken == InboundFrame.IGNORED)
        {
            return true;
        }
        try
        {
            return onCheckedFrame(inbound.buffer(), inbound.length());
        }
        catch (final RuntimeException ex)
        {
            // Checked, so not a length read from the wire; still the instance's doing: close, never throw to callers.
            refuseFrame("it cannot be read (" + ex + ")");
            return false;
        }
    }

    private void refuseFrame(final String problem)
    {
        markClosed(new CellException.Rejected(cell, malformed(instanceId(), problem)));
        junction.markClosed();
    }

    private boolean onCheckedFrame(final DirectBuffer buffer, final int length)
    {
        final int body = Protocol.HEADER_LENGTH;
        final int blockLength = inbound.blockLength();
        final int version = inbound.version();
        switch (inbound.templateId())
        {
            case ResponseDecoder.TEMPLATE_ID ->
            {
                responseDecoder.wrap(buffer, body, blockLength, version);
                final long correlationId = responseDecoder.correlationId();
                final boolean isError = responseDecoder.outcome() == Outcome.APP_ERROR;
                final int replyOffset = inbound.end();
                final int replyLength = length - replyOffset;
                if (correlationId == syncCorrelationId && syncReply != null)
                {
                    syncReply.set(buffer, replyOffset, replyLength, isError);
                    completeSync(GOT_REPLY);
                }
                else
                {
                    final Pending p = removePending(correlationId);
                    if (p != null)
                    {
                        final Reply reply = new Reply().set(buffer, replyOffset, replyLength, isError);
                        completions.add(() -> p.future().complete(reply));
                    }
                }
            }
            case FailureDecoder.TEMPLATE_ID ->
            {
                failureDecoder.wrap(buffer, body, blockLength, version);
                final long correlationId = failureDecoder.correlationId();
                final FailureCode code = failureDecoder.code();
                final String detail = Protocol.detail(failureDecoder.detail());
                if (correlationId == 0)
                {
                    markClosed(failure(code, "instance " + instanceId() + " closed the junction: " + detail));
                }
                else if (correlationId == syncCorrelationId)
                {
                    syncFailureCode = code;
                    syncFailureDetail = detail;
                    completeSync(GOT_FAILURE);
                }
                else
                {
                    final Pending p = removePending(correlationId);
                    if (p != null)
                    {
                        final CellException ex = failure(code, detail);
                        completions.add(() -> p.future().completeExceptionally(ex));
                    }
                }
            }
            case GenomeResponseDecoder.TEMPLATE_ID ->
            {
                genomeResponseDecoder.wrap(buffer, body, blockLength, version);
                if (genomeResponseDecoder.correlationId() == syncCorrelationId)
                {
                    syncGenomeJson = genomeResponseDecoder.genome();
                    completeSync(GOT_GENOME);
                }
            }
            case GoodbyeDecoder.TEMPLATE_ID ->
            {
                goodbyeDecoder.wrap(buffer, body, blockLength, version);
                markClosed(new CellException.Unavailable(cell, "instance " + instanceId() + " said goodbye: " +
                    Protocol.detail(goodbyeDecoder.reason())));
            }
            default ->
            {
                // Heartbeats and the handshake's messages: nothing to do.
            }
        }
        return true;
    }

    private void completeSync(final int state)
    {
        syncState = state;
        if (Thread.currentThread() == receiver)
        {
            junction.localDoorbell().ring();
        }
    }

    private Pending removePending(final long correlationId)
    {
        synchronized (pending)
        {
            return pending.remove(correlationId);
        }
    }

    private void runCompletions()
    {
        if (completions.isEmpty())
        {
            return;
        }
        final List<Runnable> toRun;
        rxLock.lock();
        try
        {
            toRun = new ArrayList<>(completions);
            completions.clear();
        }
        finally
        {
            rxLock.unlock();
        }
        for (final Runnable r : toRun)
        {
            r.run();
        }
    }

    private CellException failure(final FailureCode code, final String detail)
    {
        if (code == null)
        {
            return new CellException.Rejected(cell, detail);
        }
        return switch (code)
        {
            case DEADLINE_EXCEEDED -> new CellException.DeadlineExceeded(cell, detail);
            case HANDLER_FAILED, REPLY_TOO_LARGE -> new CellException.HandlerFailed(cell, detail);
            case UNAVAILABLE -> new CellException.Unavailable(cell, detail);
            case BAD_FRAME, UNKNOWN_HANDLER, REFUSED, NULL_VAL -> new CellException.Rejected(cell, detail);
        };
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
            junction.localDoorbell().ring();
        }
        catch (final InternalError ex)
        {
            // The file was truncated under the mapping: waiters notice "closed" at their next check (100 ms).
        }
        failAllPending(closedCause);
    }

    private void failAllPending(final CellException cause)
    {
        final List<Pending> all;
        synchronized (pending)
        {
            all = new ArrayList<>(pending.values());
            pending.clear();
        }
        for (final Pending p : all)
        {
            p.future().completeExceptionally(cause);
        }
    }

    private CellException closedException()
    {
        final CellException cause = closedCause;
        if (cause == null)
        {
            return new CellException.Unavailable(cell, "the connection to instance " + instanceId() + " is closed");
        }
        return switch (cause)
        {
            case CellException.RemoteCrash e -> new CellException.RemoteCrash(cell, e.getMessage());
            case CellException.Rejected e -> new CellException.Rejected(cell, e.getMessage());
            case CellException.HandlerFailed e -> new CellException.HandlerFailed(cell, e.getMessage());
            case CellException.DeadlineExceeded e -> new CellException.DeadlineExceeded(cell, e.getMessage());
            default -> new CellException.Unavailable(cell, cause.getMessage());
        };
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
            receiver.start();
        }
    }

    private void receive()
    {
        final Idler idler = new Idler(mode(options.idleProfile()), junction.localDoorbell());
        final Idler sleeper = new Idler(Idler.Mode.ECO, junction.localDoorbell(), 0, 0, HOUSEKEEPING_INTERVAL_NS);
        final Idler.WorkCheck check = () -> closed || junction.hasInbound();
        long nextCheckNs = System.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
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
            runCompletions();
            final long nowNs = System.nanoTime();
            if (nowNs - nextCheckNs >= 0)
            {
                nextCheckNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
                checkServerAlive();
                expireAsync(nowNs);
            }
            final boolean outstanding;
            synchronized (pending)
            {
                outstanding = !pending.isEmpty();
            }
            if (outstanding)
            {
                idler.idle(work, check, nextCheckNs - nowNs);
            }
            else if (work == 0)
            {
                sleeper.idle(0, check, nextCheckNs - nowNs);
            }
        }
        runCompletions();
    }

    private void expireAsync(final long nowNs)
    {
        final List<Pending> expired = new ArrayList<>();
        synchronized (pending)
        {
            final Long2ObjectHashMap<Pending>.EntryIterator it = pending.entrySet().iterator();
            while (it.hasNext())
            {
                it.next();
                final Pending p = it.getValue();
                if (nowNs - p.deadlineNs() >= 0)
                {
                    expired.add(p);
                    it.remove();
                }
            }
        }
        for (final Pending p : expired)
        {
            p.future().completeExceptionally(new CellException.DeadlineExceeded(cell, "no reply from instance " +
                instanceId() + " within the call timeout of " + callTimeoutNs / 1_000_000 + " ms"));
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
        final boolean wasClosed = closed;
        if (!wasClosed)
        {
            closedCause = new CellException.Unavailable(cell, "the connection to instance " + instanceId() +
                " was closed by this client");
        }
        closed = true;
        junction.localDoorbell().ring();
        if (r != null && r != Thread.currentThread())
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
        callLock.lock();
        txLock.lock();
        rxLock.lock();
        try
        {
            if (!junction.peerClosed() && junction.fileIntact())
            {
                final ExpandableArrayBuffer bye = new ExpandableArrayBuffer(64);
                goodbyeEncoder.wrapAndApplyHeader(bye, 0, headerEncoder).reason("client closed");
                try
                {
                    junction.send(Protocol.FRAME_TYPE_ID, bye, 0,
                        Protocol.HEADER_LENGTH + goodbyeEncoder.encodedLength());
                }
                catch (final InternalError ex)
                {
                    // Truncated under the mapping: nobody to say goodbye to through it.
                }
            }
            failAllPending(closedCause);
            ClientHeartbeats.unregister(junction);
            junction.closeAndDelete();
            instanceFile.close();
        }
        finally
        {
            rxLock.unlock();
            txLock.unlock();
            callLock.unlock();
        }
        runCompletions();
    }
}
