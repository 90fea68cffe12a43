package dev.cell.runtime.service;

/**
 * Apoptosis: an instance that has had no call and no open connection for its idle timeout stops itself, releasing
 * its run files and memory; {@link CellMain} then exits with {@link #EXIT_STATUS} so that whoever supervises it
 * knows it went dormant rather than crashed. The timeout comes from the {@value #PROPERTY} system property
 * (milliseconds; absent or 0: never), which {@code cell mitosis} sets from {@code [life_cycle] idle_timeout}.
 *
 * @since 0.1
 */
public final class IdleTimeout
{
    /**
     * System property holding the idle timeout in milliseconds.
     */
    public static final String PROPERTY = "cell.idle.timeout.ms";

    /**
     * Exit status of an instance that stopped because it was idle.
     */
    public static final int EXIT_STATUS = 80;

    private IdleTimeout()
    {
    }

    static long fromProperty()
    {
        final String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank())
        {
            return 0;
        }
        try
        {
            return Math.max(0, Long.parseLong(value.trim())) * 1_000_000L;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + " is not a number of milliseconds");
        }
    }
}
