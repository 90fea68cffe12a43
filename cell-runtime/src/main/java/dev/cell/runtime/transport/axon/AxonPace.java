package dev.cell.runtime.transport.axon;

/**
 * How long a thread that polls Aeron may sleep between polls. Frames from an axon ring no doorbell, so waiting means
 * polling; a fixed long sleep is Aeron's known low-rate jitter (its default back-off parks up to 1 ms, a ms-scale p90
 * at 10k msg/s and below), a fixed short one costs CPU for ever. So the pace is warm for a second after traffic
 * (sleeps capped at {@link #WARM_SLEEP_NS}, 50 µs: steady traffic at any rate sees at most that), cool for the next
 * nine (2 ms) and cold after that ({@link #COLD_SLEEP_NS}, 20 ms: an idle process's polling threads wake about 50
 * times a second, and the first frame after a long quiet spell waits up to that).
 * <p>
 * <b>Note:</b> plain fields: meant for one polling thread. A session's pace is also marked by the threads that send
 * on it; a lost or stale mark only makes one sleep shorter or longer than the traffic asked for (it is advice, and
 * no frame is missed for it: a poll still follows every sleep).
 *
 * @since 0.2
 */
public final class AxonPace
{
    /**
     * Longest sleep while warm: {@code cell.axon.warm.sleep.us} (50 µs).
     */
    public static final long WARM_SLEEP_NS = Long.getLong("cell.axon.warm.sleep.us", 50) * 1_000L;

    /**
     * Longest sleep once cool (no traffic for a second): {@code cell.axon.cool.sleep.us} (2 ms).
     */
    public static final long COOL_SLEEP_NS = Long.getLong("cell.axon.cool.sleep.us", 2_000) * 1_000L;

    /**
     * Longest sleep once cold (no traffic for {@link #COOL_WINDOW_NS}): {@code cell.axon.cold.sleep.ms} (20 ms).
     */
    public static final long COLD_SLEEP_NS = Long.getLong("cell.axon.cold.sleep.ms", 20) * 1_000_000L;

    /**
     * How long a pace stays cool before it goes cold: {@code cell.axon.cool.window.s} (10 s).
     */
    public static final long COOL_WINDOW_NS = Long.getLong("cell.axon.cool.window.s", 10) * 1_000_000_000L;

    /**
     * How long a pace stays warm after traffic: {@code cell.axon.warm.window.ms} (1 s).
     */
    public static final long WARM_WINDOW_NS = Long.getLong("cell.axon.warm.window.ms", 1_000) * 1_000_000L;

    private static final long PROCESS_MARK_STEP_NS = 1_000_000L;
    private static volatile long processTrafficNs = Long.MIN_VALUE / 2;

    private long lastTrafficNs = Long.MIN_VALUE / 2;

    /**
     * @param nowNs monotonic clock: traffic was seen now (also marks the process warm, see {@link #processSleepCapNs}).
     */
    public void traffic(final long nowNs)
    {
        lastTrafficNs = nowNs;
        if (nowNs - processTrafficNs >= PROCESS_MARK_STEP_NS)
        {
            processTrafficNs = nowNs; // at most once a millisecond: no shared cache line written per frame
        }
    }

    /**
     * The pace of threads that see no frames themselves (the media driver's): warm while any axon session of the
     * process had traffic within the warm window. The driver's own duty cycle finds work every few milliseconds
     * (timers, status messages) even when no frame flows, so its work count cannot say whether it is warm.
     *
     * @param nowNs monotonic clock.
     * @return the longest sleep now.
     */
    public static long processSleepCapNs(final long nowNs)
    {
        return cap(nowNs - processTrafficNs);
    }

    private static long cap(final long sinceTrafficNs)
    {
        return sinceTrafficNs < WARM_WINDOW_NS ? WARM_SLEEP_NS :
            sinceTrafficNs < COOL_WINDOW_NS ? COOL_SLEEP_NS : COLD_SLEEP_NS;
    }

    /**
     * @param nowNs monotonic clock.
     * @return the longest sleep now.
     */
    public long sleepCapNs(final long nowNs)
    {
        return cap(nowNs - lastTrafficNs);
    }
}
