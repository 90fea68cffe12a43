package dev.cell.runtime.client;

import java.time.Duration;

/**
 * How a client races the live instances of one cell ({@link RacingConnection}): every call goes to the instance that
 * answers fastest now (its recent latency × its calls in flight), staying with one until another is better by a
 * margin, so that a slow instance gets almost no calls and clients spread over equal ones; failures count against an
 * instance, and failed idempotent calls are repeated on another instance.
 * <p>
 * With {@code hedge} an idempotent call that has no answer after {@code hedgeAfter}, or after the chosen instance's
 * {@code hedgePercentile} round trip (its running estimate), or, when neither is given, after its smoothed round
 * trip plus four mean deviations (as TCP sets its retransmission timer), is sent to a second instance as well, and
 * the first answer wins. Hedges are limited to one in twenty calls over time (≤ 5 % extra calls), so a slow group is
 * not sent twice its load.
 * <p>
 * From {@code [deps]}: {@code exchange = { path = "../exchange", race = true, hedge = "p95" }} ({@code hedge = true}
 * for TCP's form, {@code hedge = 3} for a fixed 3 ms), handed to the instance as {@code -Dcell.race.exchange=true}
 * and {@code -Dcell.race.exchange.hedge=true|p95|3}. {@code -Dcell.client.race=true} races every cell.
 *
 * @param hedge           send a second copy of a slow idempotent call to another instance.
 * @param hedgeAfter      a fixed delay before hedging, or null.
 * @param hedgePercentile with no fixed delay: the round-trip percentile to hedge after (0.95), or 0 for TCP's form.
 * @param refresh         how often the instance list is read again (new instances joined, lost ones reconnected).
 * @since 0.3
 */
public record RaceOptions(boolean hedge, Duration hedgeAfter, double hedgePercentile, Duration refresh)
{
    /**
     * System property prefix: {@code cell.race.<cell>=true}, {@code cell.race.<cell>.hedge=true|<ms>}.
     */
    public static final String PROPERTY_PREFIX = "cell.race.";

    /**
     * System property: race every cell's instances ({@code true}); a cell's own property wins.
     */
    public static final String ALL_PROPERTY = "cell.client.race";

    /**
     * Default interval between reads of the instance list.
     */
    public static final Duration DEFAULT_REFRESH = Duration.ofMillis(250);

    /**
     * Canonical constructor: checks the durations.
     */
    public RaceOptions
    {
        if (hedgeAfter != null && (hedgeAfter.isNegative() || hedgeAfter.isZero()))
        {
            throw new IllegalArgumentException("hedge delay must be positive, not " + hedgeAfter);
        }
        if (hedgePercentile != 0 && !(hedgePercentile >= 0.5 && hedgePercentile < 1))
        {
            throw new IllegalArgumentException("hedge percentile must be from p50 to below p100, not " +
                hedgePercentile * 100);
        }
        refresh = refresh == null ? DEFAULT_REFRESH : refresh;
        if (refresh.toMillis() < 10)
        {
            throw new IllegalArgumentException("instance list refresh must be at least 10 ms, not " + refresh);
        }
    }

    /**
     * @return racing without hedging, default refresh.
     */
    public static RaceOptions racing()
    {
        return new RaceOptions(false, null, 0, null);
    }

    /**
     * @param after a fixed hedge delay, or null to derive it from the chosen instance's latency.
     * @return racing with hedging.
     */
    public static RaceOptions hedging(final Duration after)
    {
        return new RaceOptions(true, after, 0, null);
    }

    /**
     * @param percentile the round-trip percentile to hedge after, e.g. 0.95.
     * @return racing with hedging after each instance's estimate of that percentile.
     */
    public static RaceOptions hedgingAt(final double percentile)
    {
        return new RaceOptions(true, null, percentile, null);
    }

    /**
     * @param value how often to read the instance list again.
     * @return a copy with that refresh interval.
     */
    public RaceOptions withRefresh(final Duration value)
    {
        return new RaceOptions(hedge, hedgeAfter, hedgePercentile, value);
    }

    /**
     * @param cell a cell's served name ({@code exchange}, {@code exchange@2}; the name without {@code @major} is
     *             looked up too).
     * @return the race settings the system properties give for it, or null when its instances are not raced.
     * @throws IllegalArgumentException when a property's value is not understood.
     */
    public static RaceOptions fromProperties(final String cell)
    {
        final int at = cell.indexOf('@');
        final String name = System.getProperty(PROPERTY_PREFIX + cell) == null && at > 0 ? cell.substring(0, at) : cell;
        final String race = System.getProperty(PROPERTY_PREFIX + name, System.getProperty(ALL_PROPERTY, "false"));
        if (!bool(PROPERTY_PREFIX + name, race))
        {
            return null;
        }
        return parseHedge(PROPERTY_PREFIX + name + ".hedge", System.getProperty(PROPERTY_PREFIX + name + ".hedge",
            "false"));
    }

    /**
     * @param what  where the value comes from, for the message.
     * @param hedge {@code true}, {@code false}, a percentile ({@code p95}) or a delay in milliseconds ({@code 3}).
     * @return racing with that hedging.
     * @throws IllegalArgumentException when the value is none of those.
     */
    public static RaceOptions parseHedge(final String what, final String hedge)
    {
        final String h = hedge.trim();
        if (h.equals("true") || h.equals("false"))
        {
            return h.equals("true") ? hedging(null) : racing();
        }
        try
        {
            return h.startsWith("p") ? hedgingAt(Double.parseDouble(h.substring(1)) / 100) :
                hedging(Duration.ofNanos(Math.round(Double.parseDouble(h) * 1_000_000d)));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(what + "='" + hedge + "' is neither true, false, a percentile from " +
                "p50 to p99.9 nor a delay in milliseconds");
        }
    }

    private static boolean bool(final String property, final String value)
    {
        final String v = value.trim();
        if (!v.equals("true") && !v.equals("false"))
        {
            throw new IllegalArgumentException(property + "='" + value + "' is neither true nor false");
        }
        return v.equals("true");
    }
}
