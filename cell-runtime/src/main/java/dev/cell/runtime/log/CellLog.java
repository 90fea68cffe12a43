package dev.cell.runtime.log;

/**
 * An instance's structured log: one JSON object per line with timestamp, level, cell, instance, a stable event name,
 * trace id and fields, written to {@code <cellDir>/.cell/log/} and to the terminal when attached.
 * Never called on a hot path.
 * <pre>{@code
 * log.info("order.filled", "orderId", 42, "qty", 100);
 * }</pre>
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
     * @param level   the level.
     * @param event   a stable event name, dotted lower case ({@code "instance.started"}).
     * @param traceId the trace id of the call this belongs to, 0 for none.
     * @param fields  alternating names and values.
     */
    void log(Level level, String event, long traceId, Object... fields);

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void info(final String event, final Object... fields)
    {
        log(Level.INFO, event, 0, fields);
    }

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void warn(final String event, final Object... fields)
    {
        log(Level.WARN, event, 0, fields);
    }

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void error(final String event, final Object... fields)
    {
        log(Level.ERROR, event, 0, fields);
    }

    /**
     * @param event  a stable event name.
     * @param fields alternating names and values.
     */
    default void debug(final String event, final Object... fields)
    {
        log(Level.DEBUG, event, 0, fields);
    }
}
