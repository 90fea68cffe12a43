package dev.cell.runtime.trace;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Trace ids for new traces, and the process's sample rate for them.
 * <p>
 * A new trace id comes from one {@code getAndAdd} on a process-wide 64-bit counter that starts at a
 * {@link SecureRandom} value and steps by the golden-ratio gamma (as {@code SplittableRandom} does); the two halves
 * of the id are two different bijective mixes of that step. So two calls in one process, however concurrent, never
 * get the same id (distinct steps give distinct halves), ids of different processes collide only if their random
 * starts do (about 2<sup>-64</sup>), and taking one costs one atomic add and allocates nothing. Not for secrets.
 * <p>
 * Sampling of a new trace is decided from its id (like OpenTelemetry's trace-id ratio sampler): the top 53 bits of
 * the low half against the rate. The rate is {@code cell.trace.sample} (0 to 1, default {@value #DEFAULT_SAMPLE_RATE})
 * or what {@link #sampleRate(double)} set; an instance is handed its {@code [observe] sample}.
 *
 * @since 0.4
 */
public final class TraceIds
{
    /**
     * Share of new traces that are sampled unless configured otherwise.
     */
    public static final double DEFAULT_SAMPLE_RATE = 0.01;

    /**
     * System property: the sample rate of new traces started in this process.
     */
    public static final String SAMPLE_PROPERTY = "cell.trace.sample";

    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final long ALL = Long.MAX_VALUE;
    private static final AtomicLong SEED;
    private static final long SALT;
    private static volatile long sampleThreshold;

    static
    {
        final SecureRandom random = new SecureRandom();
        SEED = new AtomicLong(random.nextLong());
        long salt;
        do
        {
            salt = random.nextLong();
        }
        while (salt == 0);
        SALT = salt;
        double rate = DEFAULT_SAMPLE_RATE;
        final String configured = System.getProperty(SAMPLE_PROPERTY);
        if (configured != null && !configured.isBlank())
        {
            try
            {
                rate = parseRate(configured);
            }
            catch (final IllegalArgumentException ex)
            {
                System.err.println("cell: ignoring " + SAMPLE_PROPERTY + ": " + ex.getMessage());
            }
        }
        sampleThreshold = threshold(rate);
    }

    private TraceIds()
    {
    }

    /**
     * @return a fresh seed for one trace id: pass it to {@link #high} and {@link #low}.
     */
    public static long nextSeed()
    {
        return SEED.getAndAdd(GAMMA);
    }

    /**
     * @param seed from {@link #nextSeed()}.
     * @return the trace id's first 8 bytes.
     */
    public static long high(final long seed)
    {
        return mix64(seed);
    }

    /**
     * @param seed from {@link #nextSeed()}.
     * @return the trace id's last 8 bytes (never 0 together with {@link #high}: that would need the salt to be 0).
     */
    public static long low(final long seed)
    {
        return mix64(seed ^ SALT);
    }

    /**
     * @param traceIdLow a new trace id's last 8 bytes.
     * @return {@link TraceContext#SAMPLED} when the sample rate takes that trace, else 0.
     */
    public static int rootFlags(final long traceIdLow)
    {
        final long threshold = sampleThreshold;
        return threshold == ALL || (traceIdLow >>> 11) < threshold ? TraceContext.SAMPLED : 0;
    }

    /**
     * Set the share of new traces started in this process that are sampled.
     *
     * @param rate from 0 (none) to 1 (all).
     * @throws IllegalArgumentException when out of range.
     */
    public static void sampleRate(final double rate)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new IllegalArgumentException("sample rate " + rate + " is not between 0 and 1");
        }
        sampleThreshold = threshold(rate);
    }

    /**
     * @param text a sample rate as written ({@code 0.01}, {@code 1}).
     * @return it.
     * @throws IllegalArgumentException when not a number from 0 to 1.
     */
    public static double parseRate(final String text)
    {
        final double rate;
        try
        {
            rate = Double.parseDouble(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("sample rate '" + text + "' is not a number from 0 to 1", ex);
        }
        if (!(rate >= 0 && rate <= 1))
        {
            throw new IllegalArgumentException("sample rate " + text + " is not between 0 and 1");
        }
        return rate;
    }

    private static long threshold(final double rate)
    {
        return rate >= 1 ? ALL : (long)(rate * (double)(1L << 53));
    }

    /**
     * Stafford's variant 13 of the MurmurHash3 finaliser: a bijection of 64-bit values.
     */
    static long mix64(final long z0)
    {
        long z = (z0 ^ (z0 >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Span ids for one thread: the same mix over a counter of its own, started at a {@link SecureRandom} value;
     * never 0. Not thread safe.
     */
    public static final class SpanIds
    {
        private long state;

        /**
         * A generator with a random start.
         */
        public SpanIds()
        {
            this.state = new SecureRandom().nextLong();
        }

        /**
         * @return the next span id (non-zero).
         */
        public long next()
        {
            long id;
            do
            {
                state += GAMMA;
                id = mix64(state);
            }
            while (id == 0);
            return id;
        }
    }
}
