package dev.cell.ring;

import org.agrona.concurrent.AtomicBuffer;

/**
 * A snapshot of an instance's service-time histogram (kept in its {@code instance.dat}, written by the instance's
 * duty-cycle thread without allocation) and its calls counter, for {@code cell status}: calls per second and p99
 * between two snapshots.
 * <p>
 * Buckets are log-linear: four per power of two of nanoseconds, so a percentile is known to within 25 %; the value
 * reported for a bucket is its upper bound.
 *
 * @since 0.1
 */
public final class ServiceTimes
{
    /**
     * Number of buckets.
     */
    public static final int BUCKETS = 256;

    private final long[] counts = new long[BUCKETS];
    private long calls;

    /**
     * @param nanos a duration.
     * @return its bucket.
     */
    public static int bucket(final long nanos)
    {
        if (nanos < 4)
        {
            return (int)Math.max(0, nanos);
        }
        final int msb = 63 - Long.numberOfLeadingZeros(nanos);
        final int sub = (int)(nanos >>> (msb - 2)) & 3;
        return Math.min(BUCKETS - 1, msb * 4 + sub);
    }

    /**
     * @param bucket a bucket.
     * @return the largest duration (ns) it holds.
     */
    public static long upperBound(final int bucket)
    {
        if (bucket < 8)
        {
            return Math.min(bucket, 3); // 0..3 ns are exact; buckets 4..7 are never used
        }
        final int msb = bucket / 4;
        final int sub = bucket % 4;
        if (msb >= 62)
        {
            return Long.MAX_VALUE;
        }
        return ((4L + sub + 1) << (msb - 2)) - 1;
    }

    void read(final AtomicBuffer buffer, final int offset, final long callsValue)
    {
        for (int i = 0; i < BUCKETS; i++)
        {
            counts[i] = buffer.getLongVolatile(offset + i * Long.BYTES);
        }
        calls = callsValue;
    }

    /**
     * @return the calls counter at the snapshot.
     */
    public long calls()
    {
        return calls;
    }

    /**
     * @return how many handler runs the histogram holds.
     */
    public long count()
    {
        long n = 0;
        for (final long c : counts)
        {
            n += c;
        }
        return n;
    }

    /**
     * The given percentile of the handler runs recorded after {@code earlier} (or of all when it is null).
     *
     * @param earlier    an earlier snapshot of the same instance, or null.
     * @param percentile e.g. 99.0.
     * @return the duration in ns (a bucket's upper bound), or -1 when no run was recorded in between.
     */
    public long percentileSince(final ServiceTimes earlier, final double percentile)
    {
        long total = 0;
        for (int i = 0; i < BUCKETS; i++)
        {
            total += counts[i] - (earlier == null ? 0 : earlier.counts[i]);
        }
        if (total <= 0)
        {
            return -1;
        }
        final long rank = (long)Math.ceil(total * percentile / 100.0);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++)
        {
            seen += counts[i] - (earlier == null ? 0 : earlier.counts[i]);
            if (seen >= rank)
            {
                return upperBound(i);
            }
        }
        return upperBound(BUCKETS - 1);
    }
}
