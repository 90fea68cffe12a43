package dev.cell.runtime.trace;

import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.log.JsonLinesLog;
import dev.cell.runtime.log.SpanLines;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Span records, off the serving thread: the serving thread {@link #record}s a finished span into a preallocated
 * ring of primitive slots (no allocation, no lock, a few plain stores and one release store; it wakes the writer
 * when the ring is half full), and a daemon thread ({@code cell-spans-<instance>}) drains the ring every 10 ms into
 * its {@link Sink}s: the instance's log (one line of event {@code span} each) and, when configured, the
 * {@link OtlpExporter}. When the ring is full the span is dropped and counted; the writer logs
 * {@code trace.spans.dropped} at most once a second.
 * <p>
 * A span line (the trace and span ids are the line's own {@code traceId} and {@code spanId}):
 * <pre>{@code
 * {"ts":"...","level":"INFO","cell":"orders","instance":"orders-4711","event":"span",
 *  "traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
 *  "fields":{"handler":"place","parentSpanId":"53995c3f42cd8ad8","start":"2026-01-02T03:04:05.678901234Z",
 *            "durationUs":812.345,"outcome":"ok"}}
 * }</pre>
 * <b>Note:</b> one producer (the serving thread); {@link #close()} drains what is left and stops the writer.
 *
 * @since 0.4
 */
public final class SpanRecorder implements AutoCloseable
{
    /**
     * The handler returned its result.
     */
    public static final int OK = 0;

    /**
     * The handler answered one of its declared errors.
     */
    public static final int ERROR = 1;

    /**
     * The handler threw (or the replicated cell failed the request).
     */
    public static final int FAILED = 2;

    /**
     * No handler for the request's template.
     */
    public static final int UNKNOWN_HANDLER = 3;

    /**
     * Not run, or its outcome is unknown; the caller may retry elsewhere.
     */
    public static final int UNAVAILABLE = 4;

    /**
     * Refused, never to be run.
     */
    public static final int REFUSED = 5;

    private static final String[] OUTCOMES = {"ok", "error", "failed", "unknown_handler", "unavailable", "refused"};
    private static final int DEFAULT_CAPACITY = 4096;
    private static final long IDLE_PARK_NS = 10_000_000L;
    private static final long DROP_REPORT_NS = 1_000_000_000L;

    /**
     * Where drained spans go; called on the writer thread only.
     */
    public interface Sink
    {
        /**
         * One finished span.
         *
         * @param traceIdHigh  trace id, first 8 bytes.
         * @param traceIdLow   trace id, last 8 bytes.
         * @param spanId       the span.
         * @param parentSpanId its parent, 0 for a root.
         * @param handler      the handler's name.
         * @param startEpochNs when it started.
         * @param durationNs   how long it took.
         * @param outcome      {@link #OK}, {@link #ERROR}, ...
         */
        void span(long traceIdHigh, long traceIdLow, long spanId, long parentSpanId, String handler,
            long startEpochNs, long durationNs, int outcome);

        /**
         * The ring is empty for now (send what is batched when due).
         *
         * @param nowNs {@link System#nanoTime()}.
         */
        default void idle(final long nowNs)
        {
        }

        /**
         * The recorder closes: send what is left.
         */
        default void close()
        {
        }
    }

    private final CellLog log;
    private final List<Sink> sinks;
    private final int mask;
    private final long[] traceIdHigh;
    private final long[] traceIdLow;
    private final long[] spanId;
    private final long[] parentSpanId;
    private final long[] startEpochNs;
    private final long[] durationNs;
    private final int[] outcome;
    private final String[] handler;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;
    private long reportedDropped;
    private long lastDropReportNs;

    /**
     * @param name     the writer thread's name.
     * @param log      where span lines (and drop reports) go.
     * @param capacity slots (rounded up to a power of two).
     * @param extra    further sinks (an {@link OtlpExporter}), after the log.
     */
    public SpanRecorder(final String name, final CellLog log, final int capacity, final List<Sink> extra)
    {
        this.log = log;
        final java.util.ArrayList<Sink> all = new java.util.ArrayList<>();
        all.add(new LogSink(log));
        all.addAll(extra);
        this.sinks = List.copyOf(all);
        final int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        this.mask = size - 1;
        this.traceIdHigh = new long[size];
        this.traceIdLow = new long[size];
        this.spanId = new long[size];
        this.parentSpanId = new long[size];
        this.startEpochNs = new long[size];
        this.durationNs = new long[size];
        this.outcome = new int[size];
        this.handler = new String[size];
        this.writer = Thread.ofPlatform().daemon(true).name(name).unstarted(this::run);
    }

    /**
     * A recorder for an instance: writes to its log, and exports over OTLP when {@code options} name a collector.
     *
     * @param cell     the cell's name.
     * @param instance the instance id.
     * @param log      the instance's log.
     * @param options  the instance's trace options.
     * @return the started recorder, or null when the mode is {@link TraceMode#OFF}.
     */
    public static SpanRecorder forInstance(
        final String cell, final String instance, final CellLog log, final TraceOptions options)
    {
        if (options.mode() == TraceMode.OFF)
        {
            return null;
        }
        final List<Sink> extra = options.otlp() == null ? List.of() :
            List.of(new OtlpExporter(options.otlp(), cell, instance, log));
        return new SpanRecorder("cell-spans-" + instance, log, DEFAULT_CAPACITY, extra).start();
    }

    /**
     * @return this, its writer started.
     */
    public SpanRecorder start()
    {
        writer.start();
        return this;
    }

    /**
     * @param code an outcome code.
     * @return its name in span records ({@code ok}, {@code error}, {@code failed}, ...).
     */
    public static String outcomeName(final int code)
    {
        return code >= 0 && code < OUTCOMES.length ? OUTCOMES[code] : "unknown";
    }

    /**
     * Record a finished span (the serving thread only). Allocates nothing.
     *
     * @param traceIdHigh  trace id, first 8 bytes.
     * @param traceIdLow   trace id, last 8 bytes.
     * @param span         the span.
     * @param parent       its parent, 0 for a root.
     * @param handlerName  the handler's name.
     * @param startEpochNs when it started.
     * @param duration     how long it took, ns.
     * @param outcomeCode  {@link #OK}, {@link #ERROR}, ...
     * @return false when the ring was full and the span was dropped.
     */
    public boolean record(
        final long traceIdHigh,
        final long traceIdLow,
        final long span,
        final long parent,
        final String handlerName,
        final long startEpochNs,
        final long duration,
        final int outcomeCode)
    {
        final long t = tail.getPlain();
        final long used = t - head.getAcquire();
        if (used > mask)
        {
            dropped.setRelease(dropped.getPlain() + 1);
            return false;
        }
        if (used == (mask >> 1))
        {
            LockSupport.unpark(writer); // half full: drain before the writer's next round comes
        }
        final int i = (int)t & mask;
        this.traceIdHigh[i] = traceIdHigh;
        this.traceIdLow[i] = traceIdLow;
        this.spanId[i] = span;
        this.parentSpanId[i] = parent;
        this.handler[i] = handlerName;
        this.startEpochNs[i] = startEpochNs;
        this.durationNs[i] = duration;
        this.outcome[i] = outcomeCode;
        tail.setRelease(t + 1);
        return true;
    }

    /**
     * @return spans dropped because the ring was full.
     */
    public long dropped()
    {
        return dropped.getAcquire();
    }

    /**
     * Drain what is left into the sinks and stop the writer (waits up to 5 s).
     */
    @Override
    public void close()
    {
        running = false;
        LockSupport.unpark(writer);
        if (writer.isAlive() && Thread.currentThread() != writer)
        {
            try
            {
                writer.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run()
    {
        try
        {
            while (true)
            {
                final boolean stopping = !running;
                final int drained = drain();
                reportDrops();
                if (drained == 0)
                {
                    if (stopping)
                    {
                        break;
                    }
                    final long nowNs = System.nanoTime();
                    for (final Sink s : sinks)
                    {
                        s.idle(nowNs);
                    }
                    LockSupport.parkNanos(IDLE_PARK_NS);
                }
            }
        }
        finally
        {
            for (final Sink s : sinks)
            {
                s.close();
            }
        }
    }

    private int drain()
    {
        final long h = head.getPlain();
        final long t = tail.getAcquire();
        for (long p = h; p < t; p++)
        {
            final int i = (int)p & mask;
            final String name = handler[i];
            handler[i] = null;
            for (final Sink s : sinks)
            {
                try
                {
                    s.span(traceIdHigh[i], traceIdLow[i], spanId[i], parentSpanId[i], name, startEpochNs[i],
                        durationNs[i], outcome[i]);
                }
                catch (final RuntimeException ex)
                {
                    log.warn("trace.sink.failed", "sink", s.getClass().getSimpleName(), "error", ex.toString());
                }
            }
            head.setRelease(p + 1);
        }
        return (int)(t - h);
    }

    private void reportDrops()
    {
        final long total = dropped.getAcquire();
        final long nowNs = System.nanoTime();
        if (total != reportedDropped && nowNs - lastDropReportNs >= DROP_REPORT_NS)
        {
            log.warn("trace.spans.dropped", "dropped", total - reportedDropped, "total", total,
                "reason", "the span ring was full: spans are recorded faster than the log takes them");
            reportedDropped = total;
            lastDropReportNs = nowNs;
        }
    }

    /**
     * Writes each span as one line of the instance's log; into a {@link JsonLinesLog} without allocating, the lines of
     * one drain in one write.
     */
    private static final class LogSink implements Sink
    {
        private static final int WRITE_AT = 32 * 1024;

        private final CellLog log;
        private final JsonLinesLog lines;
        private final SpanLines spanLines;

        LogSink(final CellLog log)
        {
            this.log = log;
            this.lines = log instanceof JsonLinesLog j && j.writes(CellLog.Level.INFO) ? j : null;
            this.spanLines = lines != null ? lines.spanLines() : null;
        }

        @Override
        public void span(
            final long traceIdHigh,
            final long traceIdLow,
            final long spanId,
            final long parentSpanId,
            final String handler,
            final long startEpochNs,
            final long durationNs,
            final int outcome)
        {
            if (spanLines != null)
            {
                spanLines.append(System.currentTimeMillis(), traceIdHigh, traceIdLow, spanId, parentSpanId, handler,
                    startEpochNs, durationNs, outcomeName(outcome));
                if (spanLines.length() >= WRITE_AT)
                {
                    spanLines.drainTo(lines);
                }
                return;
            }
            log.log(CellLog.Level.INFO, "span", traceIdHigh, traceIdLow, spanId,
                "handler", handler,
                "parentSpanId", parentSpanId == 0 ? null : TraceContext.spanIdHex(parentSpanId),
                "start", Instant.ofEpochSecond(0, startEpochNs).toString(),
                "durationUs", durationNs / 1_000.0,
                "outcome", outcomeName(outcome));
        }

        @Override
        public void idle(final long nowNs)
        {
            flush();
        }

        @Override
        public void close()
        {
            flush();
        }

        private void flush()
        {
            if (spanLines != null)
            {
                spanLines.drainTo(lines);
            }
        }
    }
}
