package dev.cell.runtime.log;

/**
 * The log of this process for what its clients have to say (a racing client's decisions): an instance sets its own
 * log here when it starts, so its clients' events land next to its own; a process that sets none gets none.
 *
 * @since 0.3
 */
public final class ProcessLog
{
    /**
     * A log that writes nothing.
     */
    public static final CellLog NONE = (level, event, traceIdHigh, traceIdLow, spanId, fields) ->
    {
    };

    private static volatile CellLog log = NONE;

    private ProcessLog()
    {
    }

    /**
     * @param value the process's log (null: none).
     */
    public static void set(final CellLog value)
    {
        log = value == null ? NONE : value;
    }

    /**
     * @return the process's log, {@link #NONE} when none was set.
     */
    public static CellLog get()
    {
        return log;
    }
}
