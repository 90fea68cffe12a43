package dev.cell.ring;

/**
 * What a thread does when it found no work: the two idle profiles of Cell.
 * <ul>
 *     <li>{@link Mode#SPIN}: busy spin ({@link Thread#onSpinWait()}), never sleeps.</li>
 *     <li>{@link Mode#ECO}: spin for a while ({@link #DEFAULT_SPIN_NS}), then yield (until {@link #DEFAULT_YIELD_NS}
 *     after the last work), then sleep on a {@link Doorbell} (futex) until woken or the sleep timeout
 *     (housekeeping) passes.</li>
 * </ul>
 * The back-off is measured in time, not rounds: a futex wake-up costs tens to hundreds of microseconds (more on a
 * loaded or virtualised host), so a peer that answers within that window must find this thread still awake, or
 * both sides fall into sleeping on every call.
 * One per thread; allocates nothing.
 *
 * @since 0.1
 */
public final class Idler
{
    /**
     * The idle profiles.
     */
    public enum Mode
    {
        /**
         * Spin, yield, then sleep on the doorbell.
         */
        ECO,

        /**
         * Busy spin.
         */
        SPIN
    }

    /**
     * Something that can tell, cheaply and without side effects, whether there is work now.
     */
    @FunctionalInterface
    public interface WorkCheck
    {
        /**
         * @return true when the caller should not sleep.
         */
        boolean hasWork();
    }

    /**
     * Default time spent spinning after the last work, before yielding: {@code cell.idle.spin.us} (50 µs).
     */
    public static final long DEFAULT_SPIN_NS = Long.getLong("cell.idle.spin.us", 50) * 1_000L;

    /**
     * Default time after the last work until sleeping (spinning, then yielding): {@code cell.idle.yield.us}
     * (250 µs).
     */
    public static final long DEFAULT_YIELD_NS = Long.getLong("cell.idle.yield.us", 250) * 1_000L;

    /**
     * Default longest sleep: the housekeeping period.
     */
    public static final long DEFAULT_SLEEP_NS = 100_000_000L;

    private final Mode mode;
    private final Doorbell doorbell;
    private final long spinNs;
    private final long yieldNs;
    private final long sleepNs;
    private boolean idling;
    private long idleSinceNs;
    private long sleeps;
    private long sleptNs;

    /**
     * @param mode     spin or eco.
     * @param doorbell the doorbell wakers ring (may be null for {@link Mode#SPIN}).
     */
    public Idler(final Mode mode, final Doorbell doorbell)
    {
        this(mode, doorbell, DEFAULT_SPIN_NS, DEFAULT_YIELD_NS, DEFAULT_SLEEP_NS);
    }

    /**
     * @param mode     spin or eco.
     * @param doorbell the doorbell wakers ring (may be null for {@link Mode#SPIN}).
     * @param spinNs   time after the last work spent spinning.
     * @param yieldNs  time after the last work until sleeping (includes the spin time).
     * @param sleepNs  longest single sleep.
     */
    public Idler(final Mode mode, final Doorbell doorbell, final long spinNs, final long yieldNs, final long sleepNs)
    {
        if (mode == Mode.ECO && doorbell == null)
        {
            throw new IllegalArgumentException("eco idling needs a doorbell");
        }
        this.mode = mode;
        this.doorbell = doorbell;
        this.spinNs = spinNs;
        this.yieldNs = Math.max(spinNs, yieldNs);
        this.sleepNs = sleepNs;
    }

    /**
     * @return the mode.
     */
    public Mode mode()
    {
        return mode;
    }

    /**
     * Idle once after a duty cycle.
     *
     * @param workCount work done in the cycle; positive resets the back-off.
     * @param check     re-checked after announcing sleep, so a wake cannot be lost.
     */
    public void idle(final int workCount, final WorkCheck check)
    {
        idle(workCount, check, sleepNs);
    }

    /**
     * Idle once after a duty cycle, sleeping at most {@code maxSleepNs}.
     *
     * @param workCount  work done in the cycle; positive resets the back-off.
     * @param check      re-checked after announcing sleep, so a wake cannot be lost.
     * @param maxSleepNs longest sleep this time (e.g. until a deadline); capped by the sleep timeout.
     */
    public void idle(final int workCount, final WorkCheck check, final long maxSleepNs)
    {
        if (workCount > 0)
        {
            idling = false;
            return;
        }
        if (mode == Mode.SPIN)
        {
            Thread.onSpinWait();
            return;
        }
        final long nowNs = System.nanoTime();
        if (!idling)
        {
            idling = true;
            idleSinceNs = nowNs;
        }
        final long idleNs = nowNs - idleSinceNs;
        if (idleNs < spinNs)
        {
            Thread.onSpinWait();
        }
        else if (idleNs < yieldNs)
        {
            Thread.yield();
        }
        else
        {
            final int sequence = doorbell.prepareSleep();
            if (check.hasWork())
            {
                doorbell.cancelSleep();
            }
            else
            {
                sleeps++;
                doorbell.sleep(sequence, Math.min(sleepNs, maxSleepNs));
                sleptNs += System.nanoTime() - nowNs;
            }
        }
    }

    /**
     * @return how often this idler went to sleep on its doorbell (the idling thread's count; read it there).
     */
    public long sleeps()
    {
        return sleeps;
    }

    /**
     * @return how long it slept in all, nanoseconds (the idling thread's count; read it there).
     */
    public long sleptNs()
    {
        return sleptNs;
    }

    /**
     * Start the back-off over (work arrived).
     */
    public void reset()
    {
        idling = false;
    }
}
