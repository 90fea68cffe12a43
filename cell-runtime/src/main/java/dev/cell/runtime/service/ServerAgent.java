package dev.cell.runtime.service;

import dev.cell.ring.FrameHandler;
import dev.cell.ring.Idler;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.log.CellLog;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureEncoder;
import dev.cell.sbe.codecs.GenomeResponseEncoder;
import dev.cell.sbe.codecs.GoodbyeDecoder;
import dev.cell.sbe.codecs.GoodbyeEncoder;
import dev.cell.sbe.codecs.GenomeRequestDecoder;
import dev.cell.sbe.codecs.HeartbeatDecoder;
import dev.cell.sbe.codecs.HelloDecoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.Outcome;
import dev.cell.sbe.codecs.RejectCode;
import dev.cell.sbe.codecs.RejectEncoder;
import dev.cell.sbe.codecs.RequestDecoder;
import dev.cell.sbe.codecs.ResponseEncoder;
import dev.cell.sbe.codecs.WelcomeEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The instance's single duty-cycle thread. Everything below {@link #run()} runs on it; {@link #stop()} and the
 * accessors are the only cross-thread entry points.
 */
final class ServerAgent implements Runnable
{
    private static final int ACCEPT_BATCH = 8;
    private static final int FRAME_BATCH = 64;
    private static final long HOUSEKEEPING_INTERVAL_NS = 100_000_000L;
    private static final int ORPHAN_SWEEP_EVERY = 50;
    private static final long PENDING_SLEEP_NS = 1_000_000L;
    private static final Pattern JUNCTION_NAME = Pattern.compile("[0-9]{1,10}-[0-9]{1,10}\\.junction");

    private final String cellName;
    private final String instanceId;
    private final Genome genome;
    private final long fingerprint;
    private final String genomeJson;
    private final Dispatcher dispatcher;
    private final AsyncDispatcher asyncDispatcher;
    private final ManyToOneConcurrentLinkedQueue<AsyncReply> completed = new ManyToOneConcurrentLinkedQueue<>();
    private final ArrayDeque<AsyncReply> deferred = new ArrayDeque<>();
    private final CellLifecycle lifecycle;
    private final Path cellDir;
    private final Path runDir;
    private final Path junctionsDir;
    private final ServerOptions options;
    private final CellLog log;
    private final CompletableFuture<Void> started = new CompletableFuture<>();

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final RequestDecoder requestDecoder = new RequestDecoder();
    private final GenomeRequestDecoder genomeRequestDecoder = new GenomeRequestDecoder();
    private final HeartbeatDecoder heartbeatDecoder = new HeartbeatDecoder();
    private final GoodbyeDecoder goodbyeDecoder = new GoodbyeDecoder();
    private final ResponseEncoder responseEncoder = new ResponseEncoder();
    private final FailureEncoder failureEncoder = new FailureEncoder();
    private final WelcomeEncoder welcomeEncoder = new WelcomeEncoder();
    private final RejectEncoder rejectEncoder = new RejectEncoder();
    private final GenomeResponseEncoder genomeResponseEncoder = new GenomeResponseEncoder();
    private final GoodbyeEncoder goodbyeEncoder = new GoodbyeEncoder();
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(64 * 1024);
    private final UnsafeBuffer requestView = new UnsafeBuffer(0, 0);
    private final ExpandableDirectByteBuffer privateFrame = new ExpandableDirectByteBuffer(64 * 1024);
    private final Envelope envelope = new Envelope();
    private final FrameCheck protocolCheck = FrameCheck.protocol();
    private final FrameCheck requestCheck;
    private final FrameHandler frameHandler = this::onFrame;
    private final InstanceFile.AcceptHandler acceptHandler = this::onAccept;
    private final Idler.WorkCheck workCheck = this::hasWork;
    private final List<ServerConnection> connections = new ArrayList<>();

    private volatile boolean running = true;
    private volatile int connectionCount;
    private final Object mapLock = new Object();
    private volatile InstanceFile instanceFile;
    private InstanceRecord record;
    private ServerConnection current;
    private boolean helloHasHandlers;
    private long nextHousekeepingNs;
    private int housekeepingRounds;
    private boolean acceptCorruptLogged;
    private int pendingCount;
    private final long idleTimeoutNs = IdleTimeout.fromProperty();
    private final PeerTimeouts peerTimeouts = PeerTimeouts.fromProperties();
    private long lastSeenCalls;
    private long lastActiveNs = System.nanoTime();
    private volatile boolean stoppedIdle;

    ServerAgent(
        final String cellName,
        final String instanceId,
        final Genome genome,
        final Dispatcher dispatcher,
        final CellLifecycle lifecycle,
        final Path cellDir,
        final Path runDir,
        final ServerOptions options,
        final CellLog log)
    {
        this.cellName = cellName;
        this.instanceId = instanceId;
        this.genome = genome;
        this.fingerprint = genome.fingerprintValue();
        this.genomeJson = genome.toJson();
        this.requestCheck = FrameCheck.of(genome);
        this.dispatcher = dispatcher;
        this.asyncDispatcher = dispatcher instanceof AsyncDispatcher a ? a : null;
        this.lifecycle = lifecycle;
        this.cellDir = cellDir;
        this.runDir = runDir;
        this.junctionsDir = runDir.resolve("junctions");
        this.options = options;
        this.log = log;
    }

    CompletableFuture<Void> started()
    {
        return started;
    }

    String cellName()
    {
        return cellName;
    }

    String instanceId()
    {
        return instanceId;
    }

    Path runDir()
    {
        return runDir;
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
        final InstanceFile file = instanceFile;
        return file == null ? 0 : InstanceFile.readCalls(file.path());
    }

    void stop()
    {
        running = false;
        synchronized (mapLock)
        {
            final InstanceFile file = instanceFile;
            if (file != null)
            {
                file.doorbell().ring();
            }
        }
    }

    @Override
    public void run()
    {
        try
        {
            open();
        }
        catch (final Throwable ex)
        {
            cleanUpFailedStart();
            started.completeExceptionally(ex);
            return;
        }
        started.complete(null);
        final Idler idler = new Idler(CellServer.idleMode(options.idleProfile()), instanceFile.doorbell());
        try
        {
            while (running)
            {
                final int work = doWork();
                idler.idle(work, workCheck, pendingCount > 0 ? PENDING_SLEEP_NS : Idler.DEFAULT_SLEEP_NS);
            }
        }
        catch (final Throwable ex)
        {
            log.error("instance.failed", "error", ex.toString());
        }
        finally
        {
            shutdown();
        }
    }

    private void open() throws IOException
    {
        CellServer.sweepDeadRunDirs(cellDir, log);
        if (Files.exists(runDir))
        {
            throw new IllegalStateException("run folder " + runDir + " exists: instance id '" + instanceId +
                "' is in use by a live instance; choose another --instance");
        }
        // Owner-only (0700) from creation: another local user can neither list the junctions nor open them.
        PrivateFiles.createDirectories(runDir.getParent());
        try
        {
            PrivateFiles.createDirectory(runDir);
        }
        catch (final java.nio.file.FileAlreadyExistsException ex)
        {
            throw new IllegalStateException("run folder " + runDir + " exists: instance id '" + instanceId +
                "' is in use by a live instance; choose another --instance");
        }
        PrivateFiles.createDirectory(junctionsDir);
        instanceFile = InstanceFile.create(runDir, fingerprint, InstanceFile.DEFAULT_ACCEPT_CAPACITY);
        CellServer.futexNote(log);
        if (lifecycle != null)
        {
            lifecycle.onStart(new InstanceContext(cellName, instanceId, cellDir, runDir, log));
        }
        // onStart may have taken long: beat before serving, so no client takes the start-up time for a hang.
        instanceFile.heartbeat(System.currentTimeMillis());
        instanceFile.state(InstanceFile.STATE_SERVING);
        record = new InstanceRecord(cellName, instanceId, Liveness.currentPid(), Liveness.currentStartEpochMs(),
            runDir, cellDir, Genome.fingerprintHex(fingerprint), CellServer.latencyName(options.idleProfile()));
        InstanceRegistry.register(options.cellHome(), record);
        log.info("instance.started",
            "pid", Liveness.currentPid(),
            "fingerprint", Genome.fingerprintHex(fingerprint),
            "latency", CellServer.latencyName(options.idleProfile()),
            "runDir", runDir.toString(),
            "futex", dev.cell.ring.Doorbell.futexAvailable());
        nextHousekeepingNs = System.nanoTime() + HOUSEKEEPING_INTERVAL_NS;
    }

    private void cleanUpFailedStart()
    {
        if (instanceFile != null)
        {
            synchronized (mapLock)
            {
                instanceFile.closeAndDelete();
                instanceFile = null;
            }
            InstanceRegistry.unregister(options.cellHome(), cellName, instanceId);
            InstanceRegistry.reclaimRunDir(runDir);
        }
    }

    int doWork()
    {
        int work = 0;
        final int accepted = instanceFile.pollAccepts(acceptHandler, ACCEPT_BATCH);
        if (accepted > 0)
        {
            work += accepted;
        }
        else if (accepted == Junction.CORRUPT && !acceptCorruptLogged)
        {
            acceptCorruptLogged = true;
            log.error("instance.accept.corrupt", "reason", instanceFile.acceptCorruption());
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
        if (asyncDispatcher != null)
        {
            work += drainCompleted();
        }
        final long nowNs = System.nanoTime();
        if (nowNs - nextHousekeepingNs >= 0)
        {
            nextHousekeepingNs = nowNs + HOUSEKEEPING_INTERVAL_NS;
            housekeeping();
        }
        return work;
    }

    private boolean hasWork()
    {
        if (!running || instanceFile.hasAccepts() || !completed.isEmpty() || !deferred.isEmpty())
        {
            return true;
        }
        for (int i = 0, n = connections.size(); i < n; i++)
        {
            final ServerConnection c = connections.get(i);
            if (c.junction.hasInbound() || c.closing || c.junction.peerClosed())
            {
                return true;
            }
        }
        return false;
    }

    private int poll(final ServerConnection conn, final int index)
    {
        int work = 0;
        if (conn.hasPending())
        {
            final int status = conn.flushPending();
            if (status == Junction.BACK_PRESSURED)
            {
                return 0;
            }
            pendingCount--;
            work++;
            if (status == Junction.CLOSED)
            {
                conn.close("client closed its side");
            }
        }
        if (!conn.closing)
        {
            current = conn;
            final int read = conn.junction.read(frameHandler, FRAME_BATCH);
            current = null;
            if (read == Junction.CORRUPT)
            {
                refuse(conn, "corrupt ring: " + conn.junction.corruption());
                work++;
            }
            else
            {
                work += read;
            }
            if (!conn.closing && read == 0 && conn.junction.peerClosed())
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

    /**
     * A frame as it lies in the ring: copied into a private buffer first, so a peer that keeps writing to the
     * shared mapping cannot change bytes between their check and their use.
     */
    private boolean onFrame(final int msgTypeId, final DirectBuffer ring, final int ringIndex, final int length)
    {
        final ServerConnection conn = current;
        if (length <= 0 || length > conn.junction.maxMessageLength())
        {
            return refuse(conn, "frame of " + length + " bytes");
        }
        privateFrame.checkLimit(length);
        ring.getBytes(ringIndex, privateFrame, 0, length);
        try
        {
            return onPrivateFrame(conn, msgTypeId, privateFrame, 0, length);
        }
        catch (final Throwable ex)
        {
            // Nothing one frame causes ends the duty cycle: the frame's junction is closed, the others served on.
            return badFrame(conn, "frame failed: " + ex);
        }
    }

    private boolean onPrivateFrame(
        final ServerConnection conn, final int msgTypeId, final DirectBuffer buffer, final int index, final int length)
    {
        final int end = index + length;
        if (msgTypeId != Protocol.FRAME_TYPE_ID || length < Protocol.HEADER_LENGTH)
        {
            return refuse(conn, "frame of type " + msgTypeId + " and " + length + " bytes is not a Cell frame");
        }
        headerDecoder.wrap(buffer, index);
        final int schemaId = headerDecoder.schemaId();
        final int templateId = headerDecoder.templateId();
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        if (schemaId != Protocol.SCHEMA_ID)
        {
            return refuse(conn, "schema id " + schemaId + ", expected " + Protocol.SCHEMA_ID);
        }
        final int body = index + Protocol.HEADER_LENGTH;
        if (body + blockLength > end)
        {
            return refuse(conn, "template " + templateId + " claims a block of " + blockLength + " bytes but the " +
                "frame has " + (length - Protocol.HEADER_LENGTH));
        }
        // Every length and count of the protocol's own message against the bytes present, before any is read. A
        // Hello is checked below by hand: its trailing handler list may be missing whatever its header's version.
        if (conn.welcomed && !protocolCheck.check(buffer, index, length))
        {
            return refuse(conn, protocolCheck.problem());
        }
        if (!conn.welcomed)
        {
            if (templateId != HelloDecoder.TEMPLATE_ID)
            {
                return refuse(conn, "expected Hello as the first frame, got template " + templateId);
            }
            if (blockLength < HelloDecoder.BLOCK_LENGTH || !Protocol.varFieldsFit(buffer, body + blockLength, end, 2))
            {
                return refuse(conn, "truncated Hello");
            }
            // The handler list (schema version 1) is read only when it is there: a Hello without it names none.
            helloHasHandlers = version >= 1 && Protocol.varFieldsFit(buffer, body + blockLength, end, 3);
            helloDecoder.wrap(buffer, body, blockLength, version);
            onHello(conn);
            return false;
        }
        switch (templateId)
        {
            case RequestDecoder.TEMPLATE_ID ->
            {
                if (blockLength < RequestDecoder.BLOCK_LENGTH)
                {
                    return badFrame(conn, "Request block of " + blockLength + " bytes");
                }
                requestDecoder.wrap(buffer, body, blockLength, version);
                final int appOffset = body + blockLength;
                return onRequest(conn, buffer, appOffset, end - appOffset);
            }
            case GenomeRequestDecoder.TEMPLATE_ID ->
            {
                if (blockLength < GenomeRequestDecoder.BLOCK_LENGTH)
                {
                    return badFrame(conn, "GenomeRequest block of " + blockLength + " bytes");
                }
                genomeRequestDecoder.wrap(buffer, body, blockLength, version);
                return onGenomeRequest(conn, genomeRequestDecoder.correlationId());
            }
            case HeartbeatDecoder.TEMPLATE_ID ->
            {
                if (blockLength < HeartbeatDecoder.BLOCK_LENGTH)
                {
                    return badFrame(conn, "Heartbeat block of " + blockLength + " bytes");
                }
                heartbeatDecoder.wrap(buffer, body, blockLength, version);
                conn.lastHeartbeatEpochMs = heartbeatDecoder.epochMs();
                return true;
            }
            case GoodbyeDecoder.TEMPLATE_ID ->
            {
                String reason = "goodbye";
                if (Protocol.varFieldsFit(buffer, body + blockLength, end, 1))
                {
                    goodbyeDecoder.wrap(buffer, body, blockLength, version);
                    reason = "goodbye: " + goodbyeDecoder.reason();
                }
                conn.close(reason);
                return false;
            }
            case HelloDecoder.TEMPLATE_ID ->
            {
                return badFrame(conn, "second Hello on an open junction");
            }
            default ->
            {
                return badFrame(conn, "unknown template id " + templateId + " of schema " + schemaId);
            }
        }
    }

    private boolean onRequest(
        final ServerConnection conn, final DirectBuffer buffer, final int appOffset, final int appLength)
    {
        final long correlationId = requestDecoder.correlationId();
        final long traceId = requestDecoder.traceIdLow();
        final long deadlineEpochNs = requestDecoder.deadlineEpochNs();
        envelope.set(correlationId, requestDecoder.sessionHigh(), requestDecoder.sessionLow(),
            requestDecoder.sequence(), requestDecoder.traceIdHigh(), traceId, requestDecoder.parentSpanId(),
            requestDecoder.traceFlags(), deadlineEpochNs);
        if (appLength < Protocol.HEADER_LENGTH)
        {
            return badFrame(conn, "Request " + correlationId + " carries " + appLength +
                " bytes, less than a message header");
        }
        if (!running)
        {
            return sendFailure(conn, correlationId, FailureCode.UNAVAILABLE, "instance " + instanceId +
                " is stopping; the request was not run");
        }
        if (deadlineEpochNs != 0)
        {
            final long nowNs = Protocol.epochNanos();
            if (nowNs > deadlineEpochNs)
            {
                return sendFailure(conn, correlationId, FailureCode.DEADLINE_EXCEEDED,
                    "deadline passed " + (nowNs - deadlineEpochNs) / 1_000 + " us before the handler ran");
            }
        }
        if (!requestCheck.check(buffer, appOffset, appLength))
        {
            if (requestCheck.messageName() == null)
            {
                return sendFailure(conn, correlationId, FailureCode.UNKNOWN_HANDLER, "cell '" + cellName +
                    "' has no handler for template id " + requestCheck.templateId() + " (" + requestCheck.problem() +
                    ")");
            }
            // The envelope was sound, so the junction stays open: only this request is refused.
            return sendFailure(conn, correlationId, FailureCode.BAD_FRAME, "request refused before decoding: " +
                requestCheck.problem());
        }
        instanceFile.incrementCalls();
        requestView.wrap(buffer, appOffset, appLength);
        if (asyncDispatcher != null)
        {
            final AsyncReply pending = new AsyncReply(this, conn, correlationId);
            try
            {
                if (asyncDispatcher.dispatchAsync(requestView, 0, appLength, envelope, pending))
                {
                    return true;
                }
            }
            catch (final Throwable ex)
            {
                return sendFailure(conn, correlationId, FailureCode.HANDLER_FAILED, "request of template " +
                    templateIdOf(requestView, appLength) + " was refused: " + ex.getMessage());
            }
        }
        final int result;
        final long startNs = System.nanoTime();
        try
        {
            result = dispatcher.dispatch(requestView, 0, appLength, out, Protocol.RESPONSE_PREFIX_LENGTH);
            instanceFile.recordServiceTime(System.nanoTime() - startNs);
        }
        catch (final UnknownHandlerException ex)
        {
            return sendFailure(conn, correlationId, FailureCode.UNKNOWN_HANDLER, ex.getMessage());
        }
        catch (final Throwable ex)
        {
            // Errors included: an OutOfMemoryError thrown here was caused by this request (the frame itself was
            // checked before, so it cannot be a length read from the wire), and the instance serves on.
            final String detail = "handler of template " + templateIdOf(requestView, appLength) + " threw " +
                ex.getClass().getName() + ": " + ex.getMessage();
            log.log(CellLog.Level.WARN, "handler.failed", traceId, "error", ex.getClass().getName(),
                "message", String.valueOf(ex.getMessage()), "correlationId", correlationId);
            return sendFailure(conn, correlationId, FailureCode.HANDLER_FAILED, detail);
        }
        final int replyLength = result == Integer.MIN_VALUE ? 0 : Math.abs(result);
        final int total = Protocol.RESPONSE_PREFIX_LENGTH + replyLength;
        if (total > conn.junction.maxMessageLength())
        {
            return sendFailure(conn, correlationId, FailureCode.REPLY_TOO_LARGE, "reply of " + replyLength +
                " bytes exceeds the junction's " + conn.junction.maxMessageLength() + " bytes (raise the ring " +
                "capacity or split the result)");
        }
        responseEncoder.wrapAndApplyHeader(out, 0, headerEncoder)
            .correlationId(correlationId)
            .outcome(result < 0 ? Outcome.APP_ERROR : Outcome.OK);
        return send(conn, total);
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
        final ServerConnection conn = r.conn;
        if (conn.closing)
        {
            return 1;
        }
        if (conn.hasPending())
        {
            deferred.add(r);
            return 0;
        }
        switch (r.kind)
        {
            case AsyncReply.OK, AsyncReply.APP_ERROR ->
            {
                final int total = Protocol.RESPONSE_PREFIX_LENGTH + r.length;
                if (total > conn.junction.maxMessageLength())
                {
                    sendFailure(conn, r.correlationId, FailureCode.REPLY_TOO_LARGE, "reply of " + r.length +
                        " bytes exceeds the junction's " + conn.junction.maxMessageLength() + " bytes");
                    return 1;
                }
                out.putBytes(Protocol.RESPONSE_PREFIX_LENGTH, r.bytes, 0, r.length);
                responseEncoder.wrapAndApplyHeader(out, 0, headerEncoder)
                    .correlationId(r.correlationId)
                    .outcome(r.kind == AsyncReply.APP_ERROR ? Outcome.APP_ERROR : Outcome.OK);
                send(conn, total);
            }
            case AsyncReply.UNAVAILABLE -> sendFailure(conn, r.correlationId, FailureCode.UNAVAILABLE, r.detail);
            case AsyncReply.REFUSED -> sendFailure(conn, r.correlationId, FailureCode.REFUSED, r.detail);
            default -> sendFailure(conn, r.correlationId, FailureCode.HANDLER_FAILED, r.detail);
        }
        return 1;
    }

    void wake()
    {
        synchronized (mapLock)
        {
            final InstanceFile file = instanceFile;
            if (file != null)
            {
                file.doorbell().ring();
            }
        }
    }

    /**
     * One request handed to the {@link AsyncDispatcher}; completed from any thread, sent by the agent thread.
     */
    static final class AsyncReply implements AsyncDispatcher.Completion
    {
        static final int OK = 1;
        static final int APP_ERROR = 2;
        static final int UNAVAILABLE = 3;
        static final int REFUSED = 5;
        static final int FAILED = 4;
        private static final java.lang.invoke.VarHandle KIND;

        static
        {
            try
            {
                KIND = java.lang.invoke.MethodHandles.lookup().findVarHandle(AsyncReply.class, "kind", int.class);
            }
            catch (final ReflectiveOperationException ex)
            {
                throw new ExceptionInInitializerError(ex);
            }
        }

        private final ServerAgent agent;
        final ServerConnection conn;
        final long correlationId;
        volatile int kind;
        byte[] bytes;
        int length;
        String detail;

        AsyncReply(final ServerAgent agent, final ServerConnection conn, final long correlationId)
        {
            this.agent = agent;
            this.conn = conn;
            this.correlationId = correlationId;
        }

        @Override
        public void reply(final DirectBuffer reply, final int offset, final int length, final boolean error)
        {
            final byte[] copy = new byte[length];
            reply.getBytes(offset, copy);
            this.bytes = copy;
            this.length = length;
            complete(error ? APP_ERROR : OK);
        }

        @Override
        public void fail(final boolean unavailable, final String detail)
        {
            this.detail = detail;
            complete(unavailable ? UNAVAILABLE : FAILED);
        }

        @Override
        public void refuse(final String detail)
        {
            this.detail = detail;
            complete(REFUSED);
        }

        private void complete(final int outcome)
        {
            if (KIND.compareAndSet(this, 0, outcome))
            {
                agent.completed.offer(this);
                agent.wake();
            }
        }
    }

    private static int templateIdOf(final DirectBuffer buffer, final int length)
    {
        return length >= Protocol.HEADER_LENGTH ? buffer.getShort(2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF : -1;
    }

    private boolean onGenomeRequest(final ServerConnection conn, final long correlationId)
    {
        genomeResponseEncoder.wrapAndApplyHeader(out, 0, headerEncoder)
            .correlationId(correlationId)
            .fingerprint(fingerprint)
            .genome(genomeJson);
        final int length = Protocol.HEADER_LENGTH + genomeResponseEncoder.encodedLength();
        if (length > conn.junction.maxMessageLength())
        {
            return sendFailure(conn, correlationId, FailureCode.REPLY_TOO_LARGE, "genome of " + length +
                " bytes exceeds the junction's " + conn.junction.maxMessageLength() + " bytes");
        }
        return send(conn, length);
    }

    private void onHello(final ServerConnection conn)
    {
        final long clientPid = helloDecoder.clientPid();
        final long clientFingerprint = helloDecoder.fingerprint();
        final int protocolVersion = helloDecoder.protocolVersion();
        final String cell = helloDecoder.cell();
        final String clientName = helloDecoder.clientName();
        conn.clientPid = clientPid;
        conn.clientName = clientName;
        if (protocolVersion != Protocol.PROTOCOL_VERSION)
        {
            reject(conn, RejectCode.BAD_HELLO, "client speaks protocol version " + protocolVersion +
                ", this instance speaks " + Protocol.PROTOCOL_VERSION);
            return;
        }
        if (!cellName.equals(cell))
        {
            reject(conn, RejectCode.WRONG_CELL, "this instance serves cell '" + cellName + "', not '" + cell + "'");
            return;
        }
        final String handlers = helloHasHandlers ? helloDecoder.handlers() : "";
        if (!handlers.isEmpty())
        {
            final String incompatible = incompatibleHandlers(handlers);
            if (incompatible != null)
            {
                reject(conn, RejectCode.SCHEMA_MISMATCH, incompatible);
                return;
            }
        }
        else if (clientFingerprint != 0 && clientFingerprint != fingerprint)
        {
            reject(conn, RejectCode.SCHEMA_MISMATCH, "client was built against genome " +
                Genome.fingerprintHex(clientFingerprint) + " of cell '" + cellName + "', instance " + instanceId +
                " runs " + Genome.fingerprintHex(fingerprint));
            return;
        }
        if (!running)
        {
            reject(conn, RejectCode.STOPPING, "instance " + instanceId + " is stopping");
            return;
        }
        welcomeEncoder.wrapAndApplyHeader(out, 0, headerEncoder)
            .serverPid(Liveness.currentPid())
            .fingerprint(fingerprint)
            .maxMessageLength(conn.junction.maxMessageLength())
            .instance(instanceId);
        conn.welcomed = true;
        send(conn, Protocol.HEADER_LENGTH + welcomeEncoder.encodedLength());
        log.info("connection.opened", "junction", conn.name, "clientPid", clientPid, "client", clientName,
            "fingerprint", Genome.fingerprintHex(clientFingerprint));
    }

    /**
     * @param handlers the Hello's {@code name=fingerprint,...} list.
     * @return null when every named handler serves the shape the client was built against, else why not (naming
     * each handler, the client's and this instance's handler fingerprints).
     */
    private String incompatibleHandlers(final String handlers)
    {
        StringBuilder problems = null;
        for (final String pair : handlers.split(","))
        {
            final int eq = pair.indexOf('=');
            final String name = eq < 0 ? pair : pair.substring(0, eq);
            final String theirs = eq < 0 ? "" : pair.substring(eq + 1);
            final Genome.Handler h = genome.handler(name);
            final String problem;
            if (h == null)
            {
                problem = "handler '" + name + "' does not exist in cell '" + cellName + "' " + genome.version();
            }
            else if (!h.accepts(theirs))
            {
                problem = "handler '" + name + "' was built against shape " + theirs + ", instance " + instanceId +
                    " serves " + h.fingerprint() + " (compatible with: " +
                    (h.compatible().isEmpty() ? "none older" : String.join(", ", h.compatible())) + ")";
            }
            else
            {
                continue;
            }
            if (problems == null)
            {
                problems = new StringBuilder("incompatible handlers of cell '" + cellName + "': ");
            }
            else
            {
                problems.append("; ");
            }
            problems.append(problem);
        }
        return problems == null ? null : problems.toString();
    }

    private void reject(final ServerConnection conn, final RejectCode code, final String reason)
    {
        rejectEncoder.wrapAndApplyHeader(out, 0, headerEncoder)
            .code(code)
            .fingerprint(fingerprint)
            .reason(Protocol.detail(reason));
        send(conn, Protocol.HEADER_LENGTH + rejectEncoder.encodedLength());
        log.warn("connection.rejected", "junction", conn.name, "clientPid", conn.clientPid, "client",
            conn.clientName, "code", code.name(), "reason", reason);
        conn.close("rejected: " + code.name());
    }

    /**
     * An undecodable frame: before the handshake a BAD_HELLO reject, after it a BAD_FRAME failure; either way the
     * junction closes.
     */
    private boolean refuse(final ServerConnection conn, final String reason)
    {
        if (!conn.welcomed)
        {
            reject(conn, RejectCode.BAD_HELLO, reason);
            return false;
        }
        return badFrame(conn, reason);
    }

    private boolean badFrame(final ServerConnection conn, final String reason)
    {
        sendFailure(conn, 0, FailureCode.BAD_FRAME, reason);
        conn.close("bad frame: " + reason);
        return false;
    }

    private boolean sendFailure(
        final ServerConnection conn, final long correlationId, final FailureCode code, final String detail)
    {
        failureEncoder.wrapAndApplyHeader(out, 0, headerEncoder)
            .correlationId(correlationId)
            .code(code)
            .detail(Protocol.detail(detail));
        return send(conn, Protocol.HEADER_LENGTH + failureEncoder.encodedLength());
    }

    /**
     * Send {@code out[0, length)}; keep it pending when the ring is full.
     *
     * @return true when the junction may be read further.
     */
    private boolean send(final ServerConnection conn, final int length)
    {
        final int status = conn.junction.send(Protocol.FRAME_TYPE_ID, out, 0, length);
        if (status == Junction.OK)
        {
            return !conn.closing;
        }
        if (status == Junction.BACK_PRESSURED)
        {
            conn.keepPending(out, 0, length);
            pendingCount++;
            return false;
        }
        if (status == Junction.CLOSED)
        {
            conn.close("client closed its side");
            return false;
        }
        conn.close("reply of " + length + " bytes does not fit the junction");
        return false;
    }

    private void onAccept(final String name)
    {
        if (!JUNCTION_NAME.matcher(name).matches())
        {
            log.warn("connection.rejected", "junction", name, "reason", "not a junction file name");
            return;
        }
        final Path path = junctionsDir.resolve(name);
        final Junction junction;
        try
        {
            junction = Junction.attach(path);
        }
        catch (final IOException | RuntimeException | InternalError ex)
        {
            // InternalError: the file shrank between its size check and a read of its header.
            log.warn("connection.rejected", "junction", name, "reason", String.valueOf(ex.getMessage()));
            return;
        }
        final ServerConnection conn = new ServerConnection(junction, name, System.currentTimeMillis());
        conn.clientBeat = junction.peerHeartbeatEpochMs();
        conn.clientBeatSeenNs = System.nanoTime();
        connections.add(conn);
        connectionCount = connections.size();
        if (connections.size() > options.maxConnections())
        {
            reject(conn, RejectCode.TOO_MANY_CONNECTIONS, "instance " + instanceId + " has " +
                options.maxConnections() + " connections open");
        }
    }

    private void closeConnection(final ServerConnection conn, final int index)
    {
        if (conn.hasPending())
        {
            pendingCount--;
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
        conn.junction.closeAndDelete();
        // Published last: whoever sees the lower count also sees the log line and the deleted files.
        connectionCount = connections.size();
    }

    private void housekeeping()
    {
        final long nowMs = System.currentTimeMillis();
        final long nowNs = System.nanoTime();
        instanceFile.heartbeat(nowMs);
        if (instanceFile.unblockStalledAccept(nowNs, peerTimeouts.claimTimeoutNs()))
        {
            log.warn("instance.accept.unblocked", "reason", "a client claimed an announcement on the accept ring " +
                "and did not commit it within " + peerTimeouts.claimTimeoutNs() / 1_000_000L + " ms (it died or " +
                "stopped mid-write)");
        }
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final String reclaim = reclaimReason(connections.get(i), nowMs, nowNs);
            if (reclaim != null)
            {
                final ServerConnection conn = connections.get(i);
                log.warn("connection.reclaimed", "junction", conn.name, "clientPid", conn.clientPid, "client",
                    conn.clientName, "reason", reclaim);
                conn.close(reclaim);
                closeConnection(conn, i);
            }
        }
        if (++housekeepingRounds % ORPHAN_SWEEP_EVERY == 0)
        {
            sweepOrphanJunctions();
        }
        if (idleTimeoutNs > 0)
        {
            checkIdle();
        }
    }

    /**
     * Beat on one junction and judge its client: null while it is fine, else why its junction is to be reclaimed.
     * The file's size is checked before anything touches the mapping (a truncated file faults past its end).
     */
    private String reclaimReason(final ServerConnection conn, final long nowMs, final long nowNs)
    {
        try
        {
            return judge(conn, nowMs, nowNs);
        }
        catch (final InternalError ex)
        {
            // Truncated between the size check and an access: the fault is reported here, not by the duty cycle.
            return "junction file shrank";
        }
    }

    private String judge(final ServerConnection conn, final long nowMs, final long nowNs)
    {
        final Junction junction = conn.junction;
        if (!junction.fileIntact())
        {
            return "junction file shrank";
        }
        junction.heartbeat(nowMs);
        if (!junction.peerAlive())
        {
            return "client process is gone";
        }
        final long stalledNs = junction.inboundStalledNs(nowNs);
        if (stalledNs >= peerTimeouts.claimTimeoutNs())
        {
            return "claim never committed (" + stalledNs / 1_000_000L + " ms)";
        }
        final long beat = junction.peerHeartbeatEpochMs();
        if (beat != conn.clientBeat)
        {
            conn.clientBeat = beat;
            conn.clientBeatSeenNs = nowNs;
        }
        else if (nowNs - conn.clientBeatSeenNs >= peerTimeouts.clientTimeoutNs())
        {
            return "client hung";
        }
        return null;
    }

    private void checkIdle()
    {
        final long nowNs = System.nanoTime();
        final long calls = instanceFile.calls();
        if (calls != lastSeenCalls || !connections.isEmpty())
        {
            lastSeenCalls = calls;
            lastActiveNs = nowNs;
        }
        else if (nowNs - lastActiveNs >= idleTimeoutNs)
        {
            log.info("instance.apoptosis", "idleMs", (nowNs - lastActiveNs) / 1_000_000L, "calls", calls);
            stoppedIdle = true;
            running = false;
        }
    }

    boolean stoppedIdle()
    {
        return stoppedIdle;
    }

    private void sweepOrphanJunctions()
    {
        final Set<String> open = new HashSet<>();
        for (final ServerConnection c : connections)
        {
            open.add(c.name);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(junctionsDir, "*.junction"))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                if (open.contains(name) || !JUNCTION_NAME.matcher(name).matches())
                {
                    continue;
                }
                final long pid = Long.parseLong(name.substring(0, name.indexOf('-')));
                if (!Liveness.isAlive(pid, 0))
                {
                    Files.deleteIfExists(file);
                    log.info("connection.reclaimed", "junction", name, "clientPid", pid,
                        "reason", "orphan junction of a dead client");
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            log.warn("instance.sweep.failed", "error", ex.toString());
        }
    }

    private void shutdown()
    {
        final long calls = instanceFile.calls();
        instanceFile.state(InstanceFile.STATE_STOPPING);
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final ServerConnection conn = connections.get(i);
            goodbyeEncoder.wrapAndApplyHeader(out, 0, headerEncoder).reason("instance " + instanceId + " is stopping");
            conn.junction.send(Protocol.FRAME_TYPE_ID, out, 0, Protocol.HEADER_LENGTH + goodbyeEncoder.encodedLength());
            conn.close("instance stopping");
            closeConnection(conn, i);
        }
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
        InstanceRegistry.unregister(options.cellHome(), cellName, instanceId);
        synchronized (mapLock)
        {
            instanceFile.state(InstanceFile.STATE_STOPPED);
            instanceFile.closeAndDelete();
            instanceFile = null;
        }
        InstanceRegistry.deleteTree(runDir);
        log.info("instance.stopped", "calls", calls);
    }
}
