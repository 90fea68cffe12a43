package dev.cell.runtime.service;

import dev.cell.runtime.session.Protocol;
import dev.cell.runtime.trace.SpanRecorder;
import dev.cell.runtime.trace.TraceContext;
import dev.cell.runtime.trace.TraceIds;
import dev.cell.runtime.trace.TraceMode;

/**
 * The server side of tracing, on the serving thread: each dispatched request is a span with an id of its own, child
 * of the caller's span, in the caller's trace (a request without a trace starts one). While the handler runs, the
 * serving thread's {@link TraceContext} holds that span, so the handler's calls and log lines carry it. A finished
 * span is handed to the {@link SpanRecorder} when the {@link TraceMode} records it. Allocates nothing per request.
 * <p>
 * <b>Note:</b> not thread safe: the serving thread only.
 */
final class RequestTracing
{
    private final ServerContext ctx;
    private final TraceMode mode;
    private final TraceIds.SpanIds spanIds = new TraceIds.SpanIds();
    private SpanRecorder recorder;
    private TraceContext trace;
    private long parentSpanId;
    private String handler;
    private boolean recording;
    private long startEpochNs;
    private long startNs;

    RequestTracing(final ServerContext ctx)
    {
        this.ctx = ctx;
        this.mode = ctx.trace().mode();
    }

    /**
     * Start the span recorder; on the serving thread, when the instance opens.
     */
    void open()
    {
        trace = TraceContext.current();
        recorder = SpanRecorder.forInstance(ctx.cellName(), ctx.instanceId(), ctx.log(), ctx.trace());
    }

    /**
     * Write what is recorded and stop the recorder.
     */
    void close()
    {
        if (recorder != null)
        {
            recorder.close();
            recorder = null;
        }
    }

    /**
     * A request is about to be dispatched: make it the serving thread's current span.
     */
    void enter(
        final long traceIdHigh, final long traceIdLow, final long parentSpanId, final int flags, final String name)
    {
        TraceContext t = trace;
        if (t == null)
        {
            t = trace = TraceContext.current();
        }
        final long spanId = spanIds.next();
        if ((traceIdHigh | traceIdLow) == 0)
        {
            // A caller that sent no trace: this span is the root of a new one.
            final long seed = TraceIds.nextSeed();
            final long low = TraceIds.low(seed);
            final int rootFlags = TraceIds.rootFlags(low);
            t.set(TraceIds.high(seed), low, spanId, rootFlags);
            this.parentSpanId = 0;
            recording = recorder != null && mode.records(rootFlags);
        }
        else
        {
            t.set(traceIdHigh, traceIdLow, spanId, flags);
            this.parentSpanId = parentSpanId;
            recording = recorder != null && mode.records(flags);
        }
        this.handler = name;
        if (recording)
        {
            startEpochNs = Protocol.epochNanos();
            startNs = System.nanoTime();
        }
    }

    /**
     * The dispatch returned: the serving thread works for no call now.
     */
    void exit()
    {
        trace.clear();
        recording = false;
    }

    /**
     * The current span ended (a synchronous dispatch).
     *
     * @param outcome {@link SpanRecorder#OK}, ...
     */
    void end(final int outcome)
    {
        if (recording)
        {
            recording = false;
            recorder.record(trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(), parentSpanId, handler,
                startEpochNs, System.nanoTime() - startNs, outcome);
        }
    }

    /**
     * The current span is offered to the asynchronous dispatcher: it ends when {@code reply} completes.
     */
    void handOver(final AsyncReply reply)
    {
        if (recording)
        {
            reply.traced(trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(), parentSpanId, handler,
                startEpochNs, startNs);
        }
    }

    /**
     * An asynchronous reply is being sent (or dropped): its span ended when it completed.
     */
    void endAsync(final AsyncReply r)
    {
        if (r.traced && recorder != null)
        {
            r.traced = false;
            final int outcome = switch (r.kind)
            {
                case AsyncReply.OK -> SpanRecorder.OK;
                case AsyncReply.APP_ERROR -> SpanRecorder.ERROR;
                case AsyncReply.UNAVAILABLE -> SpanRecorder.UNAVAILABLE;
                case AsyncReply.REFUSED -> SpanRecorder.REFUSED;
                default -> SpanRecorder.FAILED;
            };
            recorder.record(r.traceIdHigh, r.traceIdLow, r.spanId, r.parentSpanId, r.handler, r.startEpochNs,
                r.endNs - r.spanStartNs, outcome);
        }
    }
}
