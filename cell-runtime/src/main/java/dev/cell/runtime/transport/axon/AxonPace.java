package dev.cell.runtime.transport.axon;

/**
 * How long a thread that polls Aeron may sleep between polls. Frames from an axon ring no doorbell, so waiting means
 * polling; a fixed long sleep is Aeron's known low-rate jitter (its default back-off parks up to 1 ms, a ms-scale p90
 * at 10k msg/s and below), a fixed short one costs CPU for ever. So the pace is warm for a while after traffic
 * (sleeps capped at {@link #WARM_SLEEP_NS}: steady traffic at any rate sees at most that) and cold after
 * {@link #WARM_WINDOW_NS} without any (sleeps up to {@link #COLD_SLEEP_NS}: an idle process wakes 500 times a second,
 * and the first frame after a quiet spell waits up to that).
 * <p>
 * <b>Note:</b> not thread safe: one per polling thread.
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
     * Longest sleep once cold: {@code cell.axon.cold.sleep.us} (2 ms).
     */
    public static final long COLD_SLEEP_NS = Long.getLong("cell.axon.cold.sleep.us", 2_000) * 1_000L;

    /**
     * How long a pace stays warm after traffic: {@code cell.axon.warm.window.ms} (1 s).
     */
    public static final long WARM_WINDOW_NS = Long.getLong("cell.axon.warm.window.ms", 1_000) * 1_000_000L;

    private long lastTrafficNs = Long.MIN_VALUE / 2;

    /**
     * @param nowNs monotonic clock: traffic was seen now.
     */
    public void traffic(final long nowNs)
    {
        lastTrafficNs = nowNs;
    }

    /**
     * @param nowNs monotonic clock.
     * @return the longest sleep now.
     */
    public long sleepCapNs(final long nowNs)
    {
        return nowNs - lastTrafficNs < WARM_WINDOW_NS ? WARM_SLEEP_NS : COLD_SLEEP_NS;
    }
}
