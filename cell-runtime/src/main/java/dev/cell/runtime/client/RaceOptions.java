package dev.cell.runtime.client;

import java.time.Duration;

/**
 * How a client races the live instances of one cell ({@link RacingConnection}): every call goes to the instance that
 * answers fastest now (its recent latency × its calls in flight), staying with one until another is better by a
 * margin, so that a slow instance gets almost no calls and clients spread over equal ones; failures count against an
 * instance, and failed idempotent calls are repeated on another instance.
 * <p>
 * With {@code hedge} an idempotent call that has no answer after {@code hedgeAfter} (or, when that is null, after
 * the chosen instance's smoothed round trip plus four mean deviations, as TCP sets its retransmission timer) is sent
 * to a second instance as well, and the first answer wins. Hedges are limited to one in ten calls over time, so a
 * slow group is not sent twice its load.
 * <p>
 * From {@code [deps]}: {@code exchange = { path = "../exchange", race = true, hedge = true }} (or
 * {@code hedge = 3} for a fixed 3 ms), handed to the instance as {@code -Dcell.race.exchange=true} and
 * {@code -Dcell.race.exchange.hedge=true|3}. {@code -Dcell.client.race=true} races every cell.
 *
 * @param hedge      send a second copy of a slow idempotent call to another instance.
 * @param hedgeAfter how long to wait before hedging; null: from the chosen instance's latency.
 * @param refresh    how often the instance list is read again (new instances joined, lost ones reconnected).
 * @since 0.3
 */
public record RaceOptions(boolean hedge, Duration hedgeAfter, Duration refresh)
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
        return new RaceOptions(false, null, null);
    }

    /**
     * @param after a fixed hedge delay, or null to derive it from the chosen instance's latency.
     * @return racing with hedging.
     */
    public static RaceOptions hedging(final Duration after)
    {
        return new RaceOptions(true, after, null);
    }

    /**
     * @param value how often to read the instance list again.
     * @return a copy with that refresh interval.
     */
    public RaceOptions withRefresh(final Duration value)
    {
        return new RaceOptions(hedge, hedgeAfter, value);
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
        final String hedge = System.getProperty(PROPERTY_PREFIX + name + ".hedge", "false").trim();
        if (hedge.equals("true") || hedge.equals("false"))
        {
            return hedge.equals("true") ? hedging(null) : racing();
        }
        try
        {
            return hedging(Duration.ofNanos(Math.round(Double.parseDouble(hedge) * 1_000_000d)));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(PROPERTY_PREFIX + name + ".hedge='" + hedge +
                "' is neither true, false nor a delay in milliseconds");
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
