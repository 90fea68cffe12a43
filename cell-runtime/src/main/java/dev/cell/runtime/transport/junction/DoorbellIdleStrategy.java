package dev.cell.runtime.transport.junction;

import dev.cell.ring.Doorbell;
import dev.cell.ring.Idler;
import dev.cell.runtime.IdleProfile;
import org.agrona.concurrent.IdleStrategy;

/**
 * The {@link IdleProfile}s as an Agrona {@link IdleStrategy} over a junction {@link Doorbell}: {@code spin} busy
 * spins; {@code eco} spins, yields, then sleeps on the doorbell (a futex) until a peer rings it or the sleep limit
 * passes, so an idle thread uses about 0 % CPU and a frame wakes it within microseconds (see {@link Idler}). The work
 * check is asked after announcing the sleep, so a ring between the check and the sleep is never lost.
 * <p>
 * <b>Note:</b> not thread safe: one per idling thread. Allocates nothing.
 *
 * @since 0.1
 */
public final class DoorbellIdleStrategy implements IdleStrategy
{
    private final Idler.Mode mode;
    private final Idler.WorkCheck workCheck;
    private Idler idler;
    private long maxSleepNs = Idler.DEFAULT_SLEEP_NS;

    /**
     * @param profile   eco or spin.
     * @param doorbell  the doorbell peers ring.
     * @param workCheck whether there is work now (cheap, no side effects).
     */
    public DoorbellIdleStrategy(final IdleProfile profile, final Doorbell doorbell, final Idler.WorkCheck workCheck)
    {
        this(profile, workCheck);
        doorbell(doorbell);
    }

    /**
     * A strategy whose doorbell is set later ({@link #doorbell}), once the transport made it; until then it spins.
     *
     * @param profile   eco or spin.
     * @param workCheck whether there is work now (cheap, no side effects).
     */
    public DoorbellIdleStrategy(final IdleProfile profile, final Idler.WorkCheck workCheck)
    {
        this.mode = mode(profile);
        this.workCheck = workCheck;
    }

    /**
     * @param doorbell the doorbell peers ring (on the idling thread, before it idles on it).
     */
    public void doorbell(final Doorbell doorbell)
    {
        this.idler = new Idler(mode, doorbell);
    }

    /**
     * @param profile an idle profile.
     * @return the ring's idle mode for it.
     */
    public static Idler.Mode mode(final IdleProfile profile)
    {
        return profile == IdleProfile.SPIN ? Idler.Mode.SPIN : Idler.Mode.ECO;
    }

    /**
     * Cap the following sleeps (e.g. while a reply waits for ring space, or until a deadline).
     *
     * @param maxSleepNs longest single sleep.
     */
    public void maxSleepNs(final long maxSleepNs)
    {
        this.maxSleepNs = maxSleepNs;
    }

    /**
     * @return how often the idling thread slept on the doorbell (read on that thread).
     */
    public long sleeps()
    {
        return idler == null ? 0 : idler.sleeps();
    }

    /**
     * @return how long it slept in all, nanoseconds (read on that thread).
     */
    public long sleptNs()
    {
        return idler == null ? 0 : idler.sleptNs();
    }

    /**
     * @return true for {@code spin}, false for {@code eco}.
     */
    public boolean spins()
    {
        return mode == Idler.Mode.SPIN;
    }

    @Override
    public void idle(final int workCount)
    {
        if (idler == null)
        {
            Thread.onSpinWait();
            return;
        }
        idler.idle(workCount, workCheck, maxSleepNs);
    }

    @Override
    public void idle()
    {
        idle(0);
    }

    @Override
    public void reset()
    {
        if (idler != null)
        {
            idler.reset();
        }
    }

    @Override
    public String alias()
    {
        return mode == Idler.Mode.SPIN ? "spin" : "eco";
    }
}
