package dev.cell.runtime.trace;

import java.util.Locale;

/**
 * Which requests an instance records a span for ({@code [observe] trace}). Trace ids are propagated and written on
 * log lines whatever the mode; the mode decides only the span records (log lines of event {@code span} and, when
 * configured, OTLP export).
 *
 * @since 0.4
 */
public enum TraceMode
{
    /**
     * Every handled request: one span record per call, sampled or not.
     */
    ALL,

    /**
     * Requests of sampled traces (the caller's trace flags say so): the default.
     */
    SAMPLED,

    /**
     * None.
     */
    OFF;

    /**
     * @param text {@code all}, {@code sampled} or {@code off}.
     * @return the mode.
     * @throws IllegalArgumentException naming the accepted values.
     */
    public static TraceMode parse(final String text)
    {
        return switch (text.trim().toLowerCase(Locale.ROOT))
        {
            case "all" -> ALL;
            case "sampled" -> SAMPLED;
            case "off" -> OFF;
            default -> throw new IllegalArgumentException("trace mode '" + text + "' is not one of all, sampled, off");
        };
    }

    /**
     * @return the name as written in {@code cell.toml}.
     */
    public String text()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param flags a request's W3C trace flags.
     * @return whether a request with them is recorded.
     */
    public boolean records(final int flags)
    {
        return this == ALL || (this == SAMPLED && (flags & TraceContext.SAMPLED) != 0);
    }
}
