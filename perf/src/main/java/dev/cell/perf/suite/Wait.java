package dev.cell.perf.suite;

import dev.cell.ring.Idler;

import java.util.concurrent.locks.LockSupport;

/**
 * How one side of a shared-memory or Aeron ping-pong waits for the other. Every figure of the suite names the wait
 * of both sides.
 */
public enum Wait
{
    /**
     * Busy-spin ({@link Thread#onSpinWait()}) for as long as it waits: the lowest latency, one core fully used. Counts
     * against the {@link SpinBudget}.
     */
    SPIN("spin"),

    /**
     * The same back-off as Cell's {@code eco} profile: spin for the first {@code cell.idle.spin.us} (50 µs) of a wait,
     * yield the core until {@code cell.idle.yield.us} (250 µs), then park 50 µs at a time. It spins only while an
     * answer is due within microseconds, so it is not a busy spinner and a waiting side never holds a core.
     */
    BACKOFF("back-off");

    private static final long PARK_NS = 50_000L;

    private final String label;

    Wait(final String label)
    {
        this.label = label;
    }

    /**
     * @return "spin" or "back-off".
     */
    public String label()
    {
        return label;
    }

    /**
     * @return a fresh waiter with this behaviour, for one thread.
     */
    public Waiter newWaiter()
    {
        return new Waiter(this);
    }

    /**
     * @param label "spin" or "back-off".
     * @return the wait.
     */
    public static Wait parse(final String label)
    {
        for (final Wait wait : values())
        {
            if (wait.label.equals(label))
            {
                return wait;
            }
        }
        throw new IllegalArgumentException("unknown wait '" + label + "': use spin or back-off");
    }

    /**
     * One thread's waiting state: {@link #idle()} after every empty poll, {@link #reset()} once something arrived.
     */
    public static final class Waiter
    {
        private final Wait wait;
        private boolean idling;
        private long sinceNs;

        Waiter(final Wait wait)
        {
            this.wait = wait;
        }

        /**
         * Wait a little after a poll found nothing.
         */
        public void idle()
        {
            if (wait == SPIN)
            {
                Thread.onSpinWait();
                return;
            }
            final long nowNs = System.nanoTime();
            if (!idling)
            {
                idling = true;
                sinceNs = nowNs;
            }
            final long idleNs = nowNs - sinceNs;
            if (idleNs < Idler.DEFAULT_SPIN_NS)
            {
                Thread.onSpinWait();
            }
            else if (idleNs < Idler.DEFAULT_YIELD_NS)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(PARK_NS);
            }
        }

        /**
         * The wait is over: the next {@link #idle()} starts a new one from spinning.
         */
        public void reset()
        {
            idling = false;
        }
    }
}
