package dev.cell.runtime.client;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance a {@link RacingConnection} keeps: its connection and what its answers and failures said of it.
 * <p>
 * State is updated by {@link #observe} and {@link #failed} and read without a lock (a sample lost to a race between
 * two threads only makes an estimate a little older):
 * <ul>
 * <li>the <b>cost</b> calls are steered by: a peak-sensitive moving average of round trips (Finagle's and Linkerd's
 * "peak EWMA"), bounded: a round trip above the cost raises it at once, but to at most twice what it was, so one
 * stall of the machine (which every instance suffers alike) does not turn the fastest instance into the slowest,
 * while an instance that became slow is known so after a few answers; one below pulls it down by a quarter, or by
 * more when the previous answer is older (a probe after a pause mostly replaces the old estimate). The cost is never
 * less than the time the instance has had calls in flight without answering any, so a hung instance loses its calls
 * as the wait grows, long before it is declared hung. Each failure doubles it;</li>
 * <li>consecutive failures: {@link #EJECT_AFTER} of them eject the instance for a back-off that doubles with each
 * ejection in a row ({@link #EJECT_BASE_NS} up to {@link #EJECT_MAX_NS}); an answer ends the series;</li>
 * <li>the smoothed round trip and its mean deviation, with TCP's gains (1/8, 1/4), from which the hedge delay is
 * derived as TCP derives its retransmission timeout; or, with a hedge percentile, a running estimate of that
 * percentile of the round trips (each answer moves it up by {@link #QUANTILE_GAIN} × p × the smoothed round trip
 * when slower, down by {@link #QUANTILE_GAIN} × (1 − p) × it when not, so it settles where a share p is not
 * slower).</li>
 * </ul>
 */
final class RaceMember
{
    /**
     * Weight of a round trip below the cost when answers come back to back: a spike is forgotten within about 15.
     */
    static final double GAIN = 0.25;

    /**
     * Time constant of the weight a lower round trip gets from the pause before it, nanoseconds: after a pause of
     * this long the answer has weight 0.63.
     */
    static final double PAUSE_NS = 200_000_000d;

    /**
     * Shortest hedge delay derived from the latency, nanoseconds: below it a hedge would mostly duplicate calls that
     * were about to answer.
     */
    static final long MIN_HEDGE_NS = 200_000L;

    /**
     * Cost of an instance never heard from while a call to it is in flight: only one call at a time goes to a new
     * instance until it has answered (nanoseconds).
     */
    static final double UNKNOWN_BUSY_NS = 10_000_000_000d;

    /**
     * Failures in a row that eject an instance.
     */
    static final int EJECT_AFTER = 3;

    /**
     * First ejection, nanoseconds; each further one in a row doubles it.
     */
    static final long EJECT_BASE_NS = 200_000_000L;

    /**
     * Longest ejection, nanoseconds.
     */
    static final long EJECT_MAX_NS = 10_000_000_000L;

    /**
     * Step of the percentile estimate, relative to the smoothed round trip.
     */
    static final double QUANTILE_GAIN = 0.1;

    final String id;
    final String where;
    final CellConnection connection;
    /**
     * Whether the instance runs on this host (reached over a junction).
     */
    final boolean local;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
    private volatile long busySinceNs;
    private volatile double costNs;
    private volatile int reportedQueueDepth;
    private volatile long stampNs;
    private volatile double smoothedNs;
    private volatile double deviationNs;
    private volatile long samples;
    private volatile int failuresInARow;
    private volatile int ejections;
    private volatile long ejectedUntilNs;
    private final double percentile;
    private volatile double quantileNs;

    /**
     * @param id         what identifies the target across refreshes (an instance id, or {@code axon:host:port}).
     * @param where      how it is described in messages.
     * @param connection its open connection.
     * @param percentile the round-trip percentile the hedge delay follows (0.95 for p95), or 0 for TCP's form.
     */
    RaceMember(final String id, final String where, final CellConnection connection, final double percentile)
    {
        this(id, where, connection, percentile, false);
    }

    RaceMember(final String id, final String where, final CellConnection connection, final double percentile,
        final boolean local)
    {
        this.local = local;
        this.id = id;
        this.where = where;
        this.connection = connection;
        this.percentile = percentile;
    }

    /**
     * Record one answer.
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
            quantileNs = rtt;
        }
        else
        {
            final double cost = costNs;
            if (rtt > cost)
            {
                costNs = Math.min(rtt, 2 * cost);
            }
            else if (nowNs - stampNs >= RaceChoice.PROBE_AFTER_NS)
            {
                // A probe answered faster than the estimate: what made the estimate (often a stall of the machine
                // that hit whichever instance had a call in flight) is over, and the instance is this fast now.
                costNs = rtt;
            }
            else
            {
                final double pause = Math.max(0, nowNs - stampNs);
                costNs = cost + (rtt - cost) * Math.max(GAIN, 1 - Math.exp(-pause / PAUSE_NS));
            }
            final double smoothed = smoothedNs;
            deviationNs = deviationNs + (Math.abs(rtt - smoothed) - deviationNs) / 4;
            smoothedNs = smoothed + (rtt - smoothed) / 8;
            final double q = quantileNs;
            quantileNs = Math.max(1, q + QUANTILE_GAIN * smoothed * (rtt > q ? percentile : percentile - 1));
        }
        stampNs = nowNs;
        samples++;
        failuresInARow = 0;
        ejections = 0;
    }

    /**
     * Record a failure that is the instance's: it crashed or became unreachable, timed out, refused the request or
     * sent what the client refused, or its handler failed. A handler's declared error is an answer, not a failure.
     *
     * @param nowNs the clock now.
     */
    void failed(final long nowNs)
    {
        costNs = 2 * Math.max(costNs, MIN_HEDGE_NS);
        if (samples == 0)
        {
            smoothedNs = costNs;
            deviationNs = costNs / 2;
        }
        stampNs = nowNs;
        samples++;
        if (++failuresInARow >= EJECT_AFTER)
        {
            failuresInARow = 0;
            ejectedUntilNs = nowNs + Math.min(EJECT_MAX_NS, EJECT_BASE_NS << Math.min(ejections, 16));
            ejections++;
        }
    }

    /**
     * @param nowNs the clock now.
     * @return whether the instance is ejected after failures in a row.
     */
    boolean ejected(final long nowNs)
    {
        return ejections > 0 && nowNs - ejectedUntilNs < 0;
    }

    /**
     * @param nowNs the clock now.
     * @return the cost calls are steered by, nanoseconds: 0 for an instance never heard from with nothing in flight
     * (try it now), {@link #UNKNOWN_BUSY_NS} for one never heard from with a call in flight.
     */
    double cost(final long nowNs)
    {
        if (samples == 0)
        {
            return inFlight.get() == 0 ? 0 : UNKNOWN_BUSY_NS;
        }
        final long busySince = busySinceNs;
        return busySince == 0 ? costNs : Math.max(costNs, nowNs - busySince);
    }

    /**
     * @param nowNs the clock now.
     * @return the score calls are steered by (lower is better): cost × (queue + 1), Finagle's form, where the queue is
     * the larger of this client's calls in flight and the queue depth the instance last reported (which counts every
     * client's calls, this one's included, so the two are not added).
     */
    double score(final long nowNs)
    {
        return cost(nowNs) * (Math.max(inFlight.get(), reportedQueueDepth) + 1);
    }

    /**
     * @param depth the queue depth the instance reported last (its instance file on this host, the registry's view
     *              for another host's).
     */
    void reportedQueueDepth(final int depth)
    {
        reportedQueueDepth = Math.max(0, depth);
    }

    /**
     * @return the queue depth the instance reported last.
     */
    int reportedQueueDepth()
    {
        return reportedQueueDepth;
    }

    /**
     * @param nowNs   the clock now.
     * @param afterNs how old the last answer must be.
     * @return whether the estimate is older than {@code afterNs} with nothing in flight to refresh it.
     */
    boolean stale(final long nowNs, final long afterNs)
    {
        return samples > 0 && inFlight.get() == 0 && nowNs - stampNs > afterNs;
    }

    /**
     * @return whether it has answered or failed at least once (its estimate is a measure).
     */
    boolean heard()
    {
        return samples > 0;
    }

    /**
     * @return when the estimate was last updated (an answer or a failure), nanoTime.
     */
    long lastAnswerNs()
    {
        return stampNs;
    }

    /**
     * A call was sent.
     *
     * @param nowNs the clock now.
     */
    void begin(final long nowNs)
    {
        sent.getAndIncrement();
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
     * @return calls sent to it so far (hedges and repeats included).
     */
    long sent()
    {
        return sent.get();
    }

    /**
     * @return calls in flight.
     */
    int inFlight()
    {
        return inFlight.get();
    }

    /**
     * @return when to send a hedge after the call was sent to this instance: the percentile's estimate, or without
     * one the smoothed round trip + 4 × deviation; at least {@link #MIN_HEDGE_NS}.
     */
    long hedgeDelayNs()
    {
        return Math.max(MIN_HEDGE_NS, (long)(percentile > 0 ? quantileNs : smoothedNs + 4 * deviationNs));
    }

    @Override
    public String toString()
    {
        return where;
    }
}
