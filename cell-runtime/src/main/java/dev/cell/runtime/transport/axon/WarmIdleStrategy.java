package dev.cell.runtime.transport.axon;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * The media driver's idle strategy under {@code eco}: after work it spins a little, then yields, then parks for at
 * most the process's {@link AxonPace} cap (50 µs while any axon session had traffic within a second, 2 ms for the
 * next nine, 20 ms after that). Aeron's default back-off parks up to 1 ms whatever the rate; this one parks short
 * exactly while frames flow and long only when nothing did for a while.
 * <p>
 * <b>Note:</b> not thread safe: one per agent thread. Allocates nothing.
 *
 * @since 0.2
 */
public final class WarmIdleStrategy implements IdleStrategy
{
    private static final int SPINS = 50;
    private static final int YIELDS = 20;

    private int idles;

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            idles = 0;
            return;
        }
        idle();
    }

    @Override
    public void idle()
    {
        final int n = idles++;
        if (n < SPINS)
        {
            Thread.onSpinWait();
        }
        else if (n < SPINS + YIELDS)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(AxonPace.processSleepCapNs(System.nanoTime()));
        }
    }

    @Override
    public void reset()
    {
        idles = 0;
    }

    @Override
    public String alias()
    {
        return "warm";
    }
}
