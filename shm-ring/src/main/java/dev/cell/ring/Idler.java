package dev.cell.ring;

/**
 * What a thread does when it found no work: the two idle profiles of Cell.
 * <ul>
 *     <li>{@link Mode#SPIN}: busy spin ({@link Thread#onSpinWait()}), never sleeps.</li>
 *     <li>{@link Mode#ECO}: spin a little, then yield, then sleep on a {@link Doorbell} (futex) until woken or the
 *     sleep timeout (housekeeping) passes.</li>
 * </ul>
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
     * Default number of {@link Thread#onSpinWait()} rounds before yielding.
     */
    public static final int DEFAULT_SPINS = 2_000;

    /**
     * Default number of {@link Thread#yield()} rounds before sleeping.
     */
    public static final int DEFAULT_YIELDS = 50;

    /**
     * Default longest sleep: the housekeeping period.
     */
    public static final long DEFAULT_SLEEP_NS = 100_000_000L;

    private final Mode mode;
    private final Doorbell doorbell;
    private final int spins;
    private final int yields;
    private final long sleepNs;
    private int idleRounds;

    /**
     * @param mode     spin or eco.
     * @param doorbell the doorbell wakers ring (may be null for {@link Mode#SPIN}).
     */
    public Idler(final Mode mode, final Doorbell doorbell)
    {
        this(mode, doorbell, DEFAULT_SPINS, DEFAULT_YIELDS, DEFAULT_SLEEP_NS);
    }

    /**
     * @param mode     spin or eco.
     * @param doorbell the doorbell wakers ring (may be null for {@link Mode#SPIN}).
     * @param spins    spin rounds before yielding.
     * @param yields   yield rounds before sleeping.
     * @param sleepNs  longest single sleep.
     */
    public Idler(final Mode mode, final Doorbell doorbell, final int spins, final int yields, final long sleepNs)
    {
        if (mode == Mode.ECO && doorbell == null)
        {
            throw new IllegalArgumentException("eco idling needs a doorbell");
        }
        this.mode = mode;
        this.doorbell = doorbell;
        this.spins = spins;
        this.yields = yields;
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
            idleRounds = 0;
            return;
        }
        if (mode == Mode.SPIN)
        {
            Thread.onSpinWait();
            return;
        }
        if (idleRounds < spins)
        {
            idleRounds++;
            Thread.onSpinWait();
        }
        else if (idleRounds < spins + yields)
        {
            idleRounds++;
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
                doorbell.sleep(sequence, Math.min(sleepNs, maxSleepNs));
            }
        }
    }

    /**
     * Start the back-off over (work arrived).
     */
    public void reset()
    {
        idleRounds = 0;
    }
}
