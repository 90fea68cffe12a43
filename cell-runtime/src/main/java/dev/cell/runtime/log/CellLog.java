package dev.cell.runtime.log;

import dev.cell.runtime.trace.TraceContext;

/**
 * An instance's structured log: one JSON object per line with timestamp, level, cell, instance, a stable event name,
 * the trace and span ids of the call it belongs to, and fields, written to {@code <cellDir>/.cell/log/} and to the
 * terminal when attached. Never called on a hot path.
 * <pre>{@code
 * log.info("order.filled", "orderId", 42, "qty", 100);
 * }</pre>
 * {@link #info}, {@link #warn}, {@link #error} and {@link #debug} take the ids from the calling thread's
 * {@link TraceContext}: a line a handler writes while it handles a request carries that request's trace and span
 * (so does a line the instance writes about it); a line written outside any call carries none.
 *
 * @since 0.1
 */
public interface CellLog
{
    /**
     * Levels, in order.
     */
    enum Level
    {
        DEBUG, INFO, WARN, ERROR
    }

    /**
     * @param level       the level.
     * @param event       a stable event name, dotted lower case ({@code "instance.started"}).
     * @param traceIdHigh the first 8 bytes of the trace id of the call this belongs to; 0 and 0 for none.
     * @param traceIdLow  its last 8 bytes.
     * @param spanId      the span it belongs to, 0 for none.
     * @param fields      alternating names and values.
     */
    void log(Level level, String event, long traceIdHigh, long traceIdLow, long spanId, Object... fields);

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void info(final String event, final Object... fields)
    {
        inCurrentTrace(Level.INFO, event, fields);
    }

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void warn(final String event, final Object... fields)
    {
        inCurrentTrace(Level.WARN, event, fields);
    }

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void error(final String event, final Object... fields)
    {
        inCurrentTrace(Level.ERROR, event, fields);
    }

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void debug(final String event, final Object... fields)
    {
        inCurrentTrace(Level.DEBUG, event, fields);
    }

    private void inCurrentTrace(final Level level, final String event, final Object[] fields)
    {
        final TraceContext trace = TraceContext.current();
        log(level, event, trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(), fields);
    }
}
