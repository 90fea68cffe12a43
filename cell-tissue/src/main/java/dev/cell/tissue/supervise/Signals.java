package dev.cell.tissue.supervise;

import java.util.List;

/**
 * Ctrl-C and SIGTERM handling for the attached {@code cell mitosis}: instead of the JVM's default (exit at once),
 * run an action so the command can stop its instances in order and exit 0.
 *
 * @since 0.1
 */
public final class Signals
{
    private Signals()
    {
    }

    /**
     * Run {@code action} on each SIGINT and SIGTERM from now on.
     *
     * @param action what to do; runs on a signal dispatch thread, must not block.
     */
    @SuppressWarnings("removal")
    public static void onInterrupt(final Runnable action)
    {
        for (final String name : List.of("INT", "TERM"))
        {
            try
            {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            }
            catch (final IllegalArgumentException ex)
            {
                // The platform does not let us handle this signal: its default handling stays.
            }
        }
    }
}
