package dev.cell.runtime.client;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance a {@link RacingConnection} keeps: its connection and what its answers said of its latency.
 * <p>
 * Two estimates, both updated by {@link #observe} and read without a lock (a sample lost to a race between two
 * threads only makes an estimate a little older):
 * <ul>
 * <li>the <b>cost</b> that calls are steered by: a peak-sensitive moving average of round trips (a round trip above
 * the cost replaces it at once; one below pulls it a quarter of the way down), which decays toward zero with a time
 * constant of {@link #TAU_NS} while the instance gets no answers, so an instance that was slow is tried again after a while (the
 * "peak EWMA" of Finagle and Linkerd), and which is never less than the time the instance has had calls in flight
 * without answering any (so a hung instance loses its calls as the wait grows, long before it is declared hung);</li>
 * <li>the smoothed round trip and its mean deviation, with TCP's gains (1/8, 1/4), from which the hedge delay is
 * derived as TCP derives its retransmission timeout.</li>
 * </ul>
 */
final class RaceMember
{
    /**
     * Time constant of the cost's decay toward zero while the instance gets no answers, nanoseconds.
     */
    static final double TAU_NS = 1_000_000_000d;

    /**
     * Weight of a round trip below the cost: a spike is forgotten within about 15 answers.
     */
    static final double GAIN = 0.25;

    /**
     * Shortest hedge delay derived from the latency, nanoseconds: below it a hedge would mostly duplicate calls that
     * were about to answer.
     */
    static final long MIN_HEDGE_NS = 200_000L;

    final String id;
    final String where;
    final CellConnection connection;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long busySinceNs;
    private volatile double costNs;
    private volatile long stampNs;
    private volatile double smoothedNs;
    private volatile double deviationNs;
    private volatile long samples;

    /**
     * @param id         what identifies the target across refreshes (an instance id, or {@code axon:host:port}).
     * @param where      how it is described in messages.
     * @param connection its open connection.
     */
    RaceMember(final String id, final String where, final CellConnection connection)
    {
        this.id = id;
        this.where = where;
        this.connection = connection;
    }

    /**
     * Record one round trip.
     *
     * @param rttNs the round trip, nanoseconds.
     * @param nowNs the clock when it ended.
     */
    void observe(final long rttNs, final long nowNs)
    {
        final double rtt = Math.max(1, rttNs);
        if (samples == 0)
        {
            costNs = rtt;
            smoothedNs = rtt;
            deviationNs = rtt / 2;
        }
        else
        {
            final double cost = decayed(nowNs);
            costNs = rtt > cost ? rtt : cost + (rtt - cost) * GAIN;
            final double smoothed = smoothedNs;
            deviationNs = deviationNs + (Math.abs(rtt - smoothed) - deviationNs) / 4;
            smoothedNs = smoothed + (rtt - smoothed) / 8;
        }
        stampNs = nowNs;
        samples++;
    }

    /**
     * @param nowNs the clock now.
     * @return the cost calls are steered by, nanoseconds: 0 before the first answer (try it now).
     */
    double cost(final long nowNs)
    {
        final long busySince = busySinceNs;
        final double waited = busySince == 0 ? 0 : nowNs - busySince;
        return samples == 0 ? waited : Math.max(waited, decayed(nowNs));
    }

    /**
     * A call was sent.
     *
     * @param nowNs the clock now.
     */
    void begin(final long nowNs)
    {
        if (inFlight.getAndIncrement() == 0)
        {
            busySinceNs = nowNs;
        }
    }

    /**
     * A call ended (answered or failed).
     *
     * @param nowNs the clock now.
     */
    void end(final long nowNs)
    {
        // With calls still in flight the oldest of them is not known: count from this answer.
        busySinceNs = inFlight.decrementAndGet() == 0 ? 0 : nowNs;
    }

    /**
     * @return calls in flight.
     */
    int inFlight()
    {
        return inFlight.get();
    }

    private double decayed(final long nowNs)
    {
        return costNs * Math.exp(-Math.max(0, nowNs - stampNs) / TAU_NS);
    }

    /**
     * @return when to send a hedge after the call was sent to this instance: smoothed round trip + 4 × deviation,
     * at least {@link #MIN_HEDGE_NS}.
     */
    long hedgeDelayNs()
    {
        return Math.max(MIN_HEDGE_NS, (long)(smoothedNs + 4 * deviationNs));
    }


    @Override
    public String toString()
    {
        return where;
    }
}
