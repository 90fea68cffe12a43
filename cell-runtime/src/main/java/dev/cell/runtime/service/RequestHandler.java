package dev.cell.runtime.service;

import dev.cell.ring.InstanceCounters;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.trace.SpanRecorder;
import dev.cell.runtime.session.Protocol;
import dev.cell.runtime.session.ServerAdapter;
import dev.cell.runtime.session.ServerListener;
import dev.cell.runtime.session.ServerProxy;
import dev.cell.runtime.transport.FrameListener;
import dev.cell.runtime.transport.junction.JunctionAcceptor;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.RejectCode;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What the instance does with the frames of one session at a time: the transport hands each frame here, the
 * {@link ServerAdapter} decodes it, and this answers: the handshake, requests (run through the {@link Dispatcher} or
 * handed to the {@link AsyncDispatcher}), genome requests and goodbyes. Answers are encoded by the
 * {@link ServerProxy} into a staging buffer (a handler's reply length is known only once it wrote it) and sent; one
 * that does not fit the ring is kept pending on its junction. A completed async reply, whose length is known, is
 * encoded straight into claimed ring space. Each dispatched request is a span ({@link RequestTracing}): the serving
 * thread's trace context holds it while the handler runs.
 * <p>
 * <b>Note:</b> not thread safe: used by the serving thread only.
 */
final class RequestHandler implements FrameListener, ServerListener
{
    private final ServerContext ctx;
    private final JunctionAcceptor acceptor;
    private final BooleanSupplier running;
    private final Consumer<AsyncReply> completed;
    private final Dispatcher dispatcher;
    private final AsyncDispatcher asyncDispatcher;
    private final FrameCheck requestCheck;
    private final CellLog log;
    private final ServerAdapter adapter = new ServerAdapter(this);
    private final ServerProxy proxy = new ServerProxy();
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(64 * 1024);
    private final UnsafeBuffer requestView = new UnsafeBuffer(0, 0);
    private final Envelope envelope = new Envelope();
    private final HandlerSlots slots;
    private final boolean handlerMetrics;
    private final RequestTracing tracing;
    private ServerConnection current;
    private int pendingCount;
    private int asyncOutstanding;
    private int slot = InstanceCounters.OTHER_SLOT; // the counter slot of the request being answered

    RequestHandler(
        final ServerContext ctx,
        final JunctionAcceptor acceptor,
        final BooleanSupplier running,
        final Consumer<AsyncReply> completed)
    {
        this.ctx = ctx;
        this.acceptor = acceptor;
        this.running = running;
        this.completed = completed;
        this.dispatcher = ctx.dispatcher();
        this.asyncDispatcher = dispatcher instanceof AsyncDispatcher a ? a : null;
        this.requestCheck = ctx.requestCheck();
        this.log = ctx.log();
        this.slots = new HandlerSlots(ctx.genome());
        this.handlerMetrics = ctx.handlerMetrics();
        this.tracing = new RequestTracing(ctx);
    }

    /**
     * The instance opens (on the serving thread): start recording spans.
     */
    void open()
    {
        tracing.open();
    }

    /**
     * The instance closed: write the spans recorded.
     */
    void close()
    {
        tracing.close();
    }

    boolean isAsync()
    {
        return asyncDispatcher != null;
    }

    /**
     * @return how many junctions keep a frame pending.
     */
    int pendingCount()
    {
        return pendingCount;
    }

    /**
     * A junction's pending frame was sent, or the junction closed with one.
     */
    void pendingCleared()
    {
        pendingCount--;
        publishQueueDepth();
    }

    /**
     * Read up to {@code limit} frames of {@code conn}.
     *
     * @return frames read, or {@link Junction#CORRUPT}.
     */
    int read(final ServerConnection conn, final int limit)
    {
        current = conn;
        try
        {
            return conn.end.read(this, limit);
        }
        finally
        {
            current = null;
            slot = InstanceCounters.OTHER_SLOT;
        }
    }

    @Override
    public boolean onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        slot = InstanceCounters.OTHER_SLOT;
        try
        {
            return adapter.onFrame(current.welcomed, buffer, offset, length);
        }
        catch (final Throwable ex)
        {
            // Nothing one frame causes ends the duty cycle: the frame's junction is closed, the others served on.
            return onBadFrame("frame failed: " + ex);
        }
    }

    @Override
    public boolean onBadRecord(final String problem)
    {
        return refuse(current, problem);
    }

    @Override
    public boolean onUndecodable(final String problem)
    {
        return refuse(current, problem);
    }

    @Override
    public boolean onBadFrame(final String problem)
    {
        return badFrame(current, problem);
    }

    @Override
    public boolean onHeartbeat(final long epochMs)
    {
        current.lastHeartbeatEpochMs = epochMs;
        return true;
    }

    @Override
    public boolean onGoodbye(final String reason)
    {
        current.close(reason);
        return false;
    }

    @Override
    public boolean onHello(
        final long clientPid,
        final long clientFingerprint,
        final int protocolVersion,
        final String cell,
        final String clientName,
        final String handlers)
    {
        final ServerConnection conn = current;
        conn.clientPid = clientPid;
        conn.clientName = clientName;
        final Handshakes.Refusal refusal = Handshakes.judge(ctx, clientFingerprint, protocolVersion, cell, handlers);
        if (refusal != null)
        {
            reject(conn, refusal.code(), refusal.reason());
            return false;
        }
        if (!running.getAsBoolean())
        {
            reject(conn, RejectCode.STOPPING, "instance " + ctx.instanceId() + " is stopping");
            return false;
        }
        final int length = proxy.welcome(out, 0, Liveness.currentPid(), ctx.fingerprint(),
            conn.end.maxMessageLength(), ctx.instanceId());
        conn.welcomed = true;
        send(conn, length);
        log.info("connection.opened", "junction", conn.name, "clientPid", clientPid, "client", clientName,
            "fingerprint", Genome.fingerprintHex(clientFingerprint), "identity",
            conn.end.remoteIdentity() == null ? "local" : conn.end.remoteIdentity());
        return false;
    }

    @Override
    public boolean onGenomeRequest(final long correlationId)
    {
        final ServerConnection conn = current;
        final int length = proxy.genomeResponse(out, 0, correlationId, ctx.fingerprint(), ctx.genomeJson());
        if (length > conn.end.maxMessageLength())
        {
            return sendFailure(conn, correlationId, FailureCode.REPLY_TOO_LARGE, "genome of " + length +
                " bytes exceeds the junction's " + conn.end.maxMessageLength() + " bytes");
        }
        return send(conn, length);
    }

    @Override
    public boolean onRequest(
        final long correlationId,
        final long sessionHigh,
        final long sessionLow,
        final long sequence,
        final long traceIdHigh,
        final long traceIdLow,
        final long parentSpanId,
        final int traceFlags,
        final long deadlineEpochNs,
        final DirectBuffer buffer,
        final int appOffset,
        final int appLength)
    {
        final ServerConnection conn = current;
        final int templateId = templateIdOf(buffer, appOffset, appLength);
        slot = slots.slotOf(templateId); // failures before the check count for the handler the request names
        envelope.set(correlationId, sessionHigh, sessionLow, sequence, traceIdHigh, traceIdLow, parentSpanId,
            traceFlags, deadlineEpochNs);
        if (!running.getAsBoolean())
        {
            return sendFailure(conn, correlationId, FailureCode.UNAVAILABLE, "instance " + ctx.instanceId() +
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
                return sendFailure(conn, correlationId, FailureCode.UNKNOWN_HANDLER, "cell '" + ctx.cellName() +
                    "' has no handler for template id " + requestCheck.templateId() + " (" + requestCheck.problem() +
                    ")");
            }
            // The envelope was sound, so the junction stays open: only this request is refused.
            return sendFailure(conn, correlationId, FailureCode.BAD_FRAME, "request refused before decoding: " +
                requestCheck.problem());
        }
        if (requestCheck.templateId() != templateId)
        {
            slot = slots.slotOf(requestCheck.templateId()); // a schema whose header is not SBE's standard one
        }
        acceptor.incrementCalls();
        countCall();
        requestView.wrap(buffer, appOffset, appLength);
        tracing.enter(traceIdHigh, traceIdLow, parentSpanId, traceFlags, requestCheck.handlerName());
        try
        {
            if (asyncDispatcher != null)
            {
                final AsyncReply pending = new AsyncReply(completed, conn, correlationId, slot, System.nanoTime());
                tracing.handOver(pending);
                try
                {
                    if (asyncDispatcher.dispatchAsync(requestView, 0, appLength, envelope, pending))
                    {
                        asyncOutstanding++;
                        publishQueueDepth();
                        return true;
                    }
                }
                catch (final Throwable ex)
                {
                    tracing.end(SpanRecorder.FAILED);
                    return sendFailure(conn, correlationId, FailureCode.HANDLER_FAILED, "request of template " +
                        templateIdOf(requestView, appLength) + " was refused: " + ex.getMessage());
                }
            }
            return dispatch(conn, correlationId, appLength);
        }
        finally
        {
            tracing.exit();
        }
    }

    private boolean dispatch(final ServerConnection conn, final long correlationId, final int appLength)
    {
        final int result;
        final long startNs = System.nanoTime();
        try
        {
            result = dispatcher.dispatch(requestView, 0, appLength, out, Protocol.RESPONSE_PREFIX_LENGTH);
            final long serviceNs = System.nanoTime() - startNs;
            acceptor.recordServiceTime(serviceNs);
            countServiceTime(serviceNs);
            tracing.end(result < 0 ? SpanRecorder.ERROR : SpanRecorder.OK);
        }
        catch (final UnknownHandlerException ex)
        {
            tracing.end(SpanRecorder.UNKNOWN_HANDLER);
            return sendFailure(conn, correlationId, FailureCode.UNKNOWN_HANDLER, ex.getMessage());
        }
        catch (final Throwable ex)
        {
            countServiceTime(System.nanoTime() - startNs); // it ran, and failed
            // Errors included: an OutOfMemoryError thrown here was caused by this request (the frame itself was
            // checked before, so it cannot be a length read from the wire), and the instance serves on.
            final String detail = "handler of template " + templateIdOf(requestView, appLength) + " threw " +
                ex.getClass().getName() + ": " + ex.getMessage();
            tracing.end(SpanRecorder.FAILED);
            log.warn("handler.failed", "error", ex.getClass().getName(), "message", String.valueOf(ex.getMessage()),
                "correlationId", correlationId);
            return sendFailure(conn, correlationId, FailureCode.HANDLER_FAILED, detail);
        }
        if (result < 0)
        {
            acceptor.incrementErrors(); // a declared error
            countDeclaredError();
        }
        final int replyLength = result == Integer.MIN_VALUE ? 0 : Math.abs(result);
        final int total = Protocol.RESPONSE_PREFIX_LENGTH + replyLength;
        if (total > conn.end.maxMessageLength())
        {
            return sendFailure(conn, correlationId, FailureCode.REPLY_TOO_LARGE, "reply of " + replyLength +
                " bytes exceeds the junction's " + conn.end.maxMessageLength() + " bytes (raise the ring " +
                "capacity or split the result)");
        }
        return send(conn, proxy.response(out, 0, correlationId, result < 0, replyLength));
    }

    /**
     * Send a completed async reply, unless its junction still has a frame pending.
     *
     * @return false when it must wait (keep it for later).
     */
    boolean sendCompleted(final AsyncReply r)
    {
        final ServerConnection conn = r.conn;
        if (!conn.closing && conn.end.hasPending())
        {
            return false;
        }
        slot = r.slot;
        asyncOutstanding--;
        publishQueueDepth();
        countServiceTime(r.endNs - r.startNs); // once, dispatch to completion, as its span
        tracing.endAsync(r);
        try
        {
            answerCompleted(conn, r);
        }
        finally
        {
            slot = InstanceCounters.OTHER_SLOT;
        }
        return true;
    }

    private void answerCompleted(final ServerConnection conn, final AsyncReply r)
    {
        if (conn.closing)
        {
            return;
        }
        switch (r.kind)
        {
            case AsyncReply.OK, AsyncReply.APP_ERROR ->
            {
                if (r.kind == AsyncReply.APP_ERROR)
                {
                    acceptor.incrementErrors(); // a declared error
                    countDeclaredError();
                }
                final int total = Protocol.RESPONSE_PREFIX_LENGTH + r.length;
                if (total > conn.end.maxMessageLength())
                {
                    sendFailure(conn, r.correlationId, FailureCode.REPLY_TOO_LARGE, "reply of " + r.length +
                        " bytes exceeds the junction's " + conn.end.maxMessageLength() + " bytes");
                    return;
                }
                if (!sendClaimed(conn, r, total))
                {
                    out.putBytes(Protocol.RESPONSE_PREFIX_LENGTH, r.bytes, 0, r.length);
                    send(conn, proxy.response(out, 0, r.correlationId, r.kind == AsyncReply.APP_ERROR, r.length));
                }
            }
            case AsyncReply.UNAVAILABLE -> sendFailure(conn, r.correlationId, FailureCode.UNAVAILABLE, r.detail);
            case AsyncReply.REFUSED -> sendFailure(conn, r.correlationId, FailureCode.REFUSED, r.detail);
            default -> sendFailure(conn, r.correlationId, FailureCode.HANDLER_FAILED, r.detail);
        }
    }

    /**
     * Write an async reply straight into claimed ring space: its length is known, so nothing is staged and copied.
     *
     * @return false when the ring had no room (or would not take it): the caller stages it and sends as usual.
     */
    private boolean sendClaimed(final ServerConnection conn, final AsyncReply r, final int total)
    {
        final int index = conn.end.claim(total);
        if (index < 0)
        {
            return false;
        }
        final MutableDirectBuffer ring = conn.end.claimedBuffer();
        try
        {
            ring.putBytes(index + Protocol.RESPONSE_PREFIX_LENGTH, r.bytes, 0, r.length);
            proxy.response(ring, index, r.correlationId, r.kind == AsyncReply.APP_ERROR, r.length);
        }
        catch (final Throwable ex)
        {
            // Never leave a claim uncommitted: the client would wait on it for ever.
            conn.end.abort(index);
            throw ex;
        }
        conn.end.commit(index);
        return true;
    }

    /**
     * Refuse a session at once (too many connections).
     */
    void reject(final ServerConnection conn, final RejectCode code, final String reason)
    {
        send(conn, proxy.reject(out, 0, code, ctx.fingerprint(), reason));
        log.warn("connection.rejected", "junction", conn.name, "clientPid", conn.clientPid, "client",
            conn.clientName, "code", code.name(), "reason", reason);
        conn.close("rejected: " + code.name());
    }

    /**
     * An undecodable frame: before the handshake a BAD_HELLO reject, after it a BAD_FRAME failure; either way the
     * junction closes.
     */
    boolean refuse(final ServerConnection conn, final String reason)
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
        acceptor.incrementErrors();
        countFailure(code.value());
        return send(conn, proxy.failure(out, 0, correlationId, code, detail));
    }

    /**
     * Say goodbye on a junction, whatever the ring's state.
     */
    void goodbye(final ServerConnection conn)
    {
        conn.end.sendOnce(out, 0, proxy.goodbye(out, 0, "instance " + ctx.instanceId() + " is stopping"));
    }

    /**
     * Send {@code out[0, length)}; keep it pending when the ring is full.
     *
     * @return true when the junction may be read further.
     */
    private boolean send(final ServerConnection conn, final int length)
    {
        final int status = conn.end.send(out, 0, length);
        if (status == Junction.OK)
        {
            return !conn.closing;
        }
        if (status == Junction.BACK_PRESSURED)
        {
            pendingCount++;
            publishQueueDepth();
            acceptor.replyBackPressured();
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

    private static int templateIdOf(final DirectBuffer buffer, final int length)
    {
        return templateIdOf(buffer, 0, length);
    }

    private static int templateIdOf(final DirectBuffer buffer, final int offset, final int length)
    {
        return length >= Protocol.HEADER_LENGTH ?
            buffer.getShort(offset + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF : -1;
    }

    /**
     * Calls accepted and not answered: async replies outstanding and replies waiting for ring space.
     */
    private void publishQueueDepth()
    {
        acceptor.queueDepth(asyncOutstanding + pendingCount);
    }

    private void countCall()
    {
        if (handlerMetrics)
        {
            acceptor.handlerCall(slot);
        }
    }

    private void countServiceTime(final long nanos)
    {
        if (handlerMetrics)
        {
            acceptor.handlerServiceTime(slot, nanos);
        }
    }

    private void countDeclaredError()
    {
        if (handlerMetrics)
        {
            acceptor.handlerDeclaredError(slot);
        }
    }

    private void countFailure(final int code)
    {
        if (handlerMetrics)
        {
            acceptor.handlerFailure(slot, code);
        }
    }
}
