package dev.cell.registry;

/**
 * The registry's clocks, injectable so tests decide what time it is: wall time for the stamps written into the log
 * (tickets, expiries, digests) and a monotonic time for lease deadlines, which must not move when the wall clock is
 * set.
 *
 * @since 0.2
 */
public interface RegistryClock
{
    /**
     * @return wall time, epoch ms.
     */
    long epochMs();

    /**
     * @return monotonic time, ms (any origin).
     */
    long monotonicMs();

    /**
     * @return the system's clocks: {@link System#currentTimeMillis()} and {@link System#nanoTime()}.
     */
    static RegistryClock system()
    {
        return new RegistryClock()
        {
            @Override
            public long epochMs()
            {
                return System.currentTimeMillis();
            }

            @Override
            public long monotonicMs()
            {
                return System.nanoTime() / 1_000_000L;
            }
        };
    }
}
