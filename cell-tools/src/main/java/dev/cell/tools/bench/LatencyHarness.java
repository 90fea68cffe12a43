package dev.cell.tools.bench;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a {@link Probe} and records each round trip, in nanoseconds, into an HdrHistogram (highest trackable value
 * 60 s, 3 significant digits; longer calls are recorded as 60 s).
 *
 * <ul>
 *   <li><b>Back to back</b>: the next call starts as soon as the previous one returned. Measures service time; it
 *       cannot see queueing, because a slow call also delays (and so hides) the calls that would have been sent
 *       meanwhile.</li>
 *   <li><b>Fixed rate</b>: call {@code i} is due at {@code start + i / rate}, and its latency is measured from that
 *       <em>intended</em> send time, not from when it was actually sent. A call that stalls for 50 ms therefore
 *       also shows up in the 50 ms, 49 ms, ... waits of the calls scheduled behind it, as a user at that rate would
 *       see them: the correction for coordinated omission. The harness never sleeps past a due time: it parks with
 *       {@link LockSupport#parkNanos(long)} while the next call is more than {@value #PARK_THRESHOLD_NS} ns away
 *       (waking {@value #PARK_MARGIN_NS} ns early) and spins with {@link Thread#onSpinWait()} for the rest; calls
 *       that are already late are sent at once, back to back, until the schedule is caught up.</li>
 * </ul>
 *
 * The list variants run one thread per probe (one connection each, typically) and merge the threads' histograms;
 * at a fixed rate the rate is split evenly and the threads' schedules are interleaved. A probe that throws stops
 * every thread and the exception is rethrown. The measuring loops allocate nothing.
 * <p>
 * Every returned histogram's start and end time stamps (epoch ms) span its measured period, warm-up excluded:
 * {@link #elapsedNanos(Histogram)} gives the duration to compute a throughput from.
 *
 * @since 0.1
 */
public final class LatencyHarness
{
    /** The highest value a histogram tracks: 60 s in nanoseconds. */
    public static final long HIGHEST_TRACKABLE_NS = 60_000_000_000L;

    /** Significant decimal digits the histograms keep. */
    public static final int SIGNIFICANT_DIGITS = 3;

    /** Waits longer than this park the thread; shorter ones spin. */
    public static final long PARK_THRESHOLD_NS = 100_000L;

    /** A park ends this long before the due time, so a late wake-up (timer slack) does not delay the call. */
    public static final long PARK_MARGIN_NS = 80_000L;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private LatencyHarness()
    {
    }

    /**
     * @return an empty histogram with the harness's range and precision (nanoseconds, up to 60 s, 3 digits).
     */
    public static Histogram newHistogram()
    {
        return new Histogram(HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
    }

    /**
     * @param histogram a histogram returned by this harness.
     * @return the length of its measured period in nanoseconds (millisecond resolution), from its time stamps.
     */
    public static long elapsedNanos(final Histogram histogram)
    {
        return Math.max(0L, histogram.getEndTimeStamp() - histogram.getStartTimeStamp()) * 1_000_000L;
    }

    /**
     * Call back to back: {@code warmupCalls} unrecorded calls, then {@code calls} recorded ones.
     *
     * @param probe       the round trip.
     * @param warmupCalls calls made first and not recorded.
     * @param calls       calls recorded.
     * @return the round-trip times in nanoseconds.
     * @throws Exception what the probe threw.
     */
    public static Histogram backToBack(final Probe probe, final long warmupCalls, final long calls) throws Exception
    {
        Objects.requireNonNull(probe, "probe");
        requireNonNegative(warmupCalls, "warmupCalls");
        requireNonNegative(calls, "calls");
        for (long i = 0; i < warmupCalls; i++)
        {
            probe.call();
        }
        final Histogram histogram = newHistogram();
        final Clock clock = new Clock();
        final long startNs = System.nanoTime();
        for (long i = 0; i < calls; i++)
        {
            final long sent = System.nanoTime();
            probe.call();
            record(histogram, System.nanoTime() - sent);
        }
        clock.stamp(histogram, startNs, System.nanoTime());
        return histogram;
    }

    /**
     * Call back to back for a time: {@code warmup} of unrecorded calls, then recorded calls until {@code duration}
     * has passed.
     *
     * @param probe    the round trip.
     * @param warmup   how long to call without recording.
     * @param duration how long to call and record.
     * @return the round-trip times in nanoseconds.
     * @throws Exception what the probe threw.
     */
    public static Histogram backToBack(final Probe probe, final Duration warmup, final Duration duration)
        throws Exception
    {
        return backToBack(List.of(probe), warmup, duration);
    }

    /**
     * Call back to back from one thread per probe for a time, and merge the threads' histograms.
     *
     * @param probes   one per thread (typically one connection each).
     * @param warmup   how long to call without recording.
     * @param duration how long to call and record.
     * @return the round-trip times of all threads in nanoseconds.
     * @throws Exception what a probe threw.
     */
    public static Histogram backToBack(final List<Probe> probes, final Duration warmup, final Duration duration)
        throws Exception
    {
        final long warmupNs = nonNegativeNanos(warmup, "warmup");
        final long durationNs = positiveNanos(duration, "duration");
        return runThreads(probes, (probe, index, stop, histogram, warmupStartNs) ->
        {
            final long startNs = warmupStartNs + warmupNs;
            final long endNs = startNs + durationNs;
            long now = System.nanoTime();
            while (now - startNs < 0 && !stop.get())
            {
                probe.call();
                now = System.nanoTime();
            }
            final long measuredFromNs = now;
            while (now - endNs < 0 && !stop.get())
            {
                final long sent = now;
                probe.call();
                now = System.nanoTime();
                record(histogram, now - sent);
            }
            return measuredFromNs;
        });
    }

    /**
     * Call at a fixed rate, each call measured from its intended send time (corrected for coordinated omission).
     *
     * @param probe         the round trip.
     * @param ratePerSecond calls per second.
     * @param warmup        how long to call at that rate without recording.
     * @param duration      how long to call and record; the recorded count is {@code rate × duration}.
     * @return the latencies in nanoseconds, from intended send time to reply.
     * @throws Exception what the probe threw.
     */
    public static Histogram fixedRate(
        final Probe probe, final long ratePerSecond, final Duration warmup, final Duration duration) throws Exception
    {
        return fixedRate(List.of(probe), ratePerSecond, warmup, duration);
    }

    /**
     * Call at a fixed total rate from one thread per probe, each thread at {@code rate / probes} with the threads'
     * schedules interleaved, each call measured from its intended send time; the threads' histograms are merged.
     *
     * @param probes        one per thread (typically one connection each).
     * @param ratePerSecond total calls per second over all threads.
     * @param warmup        how long to call at that rate without recording.
     * @param duration      how long to call and record.
     * @return the latencies of all threads in nanoseconds, from intended send time to reply.
     * @throws Exception what a probe threw.
     */
    public static Histogram fixedRate(
        final List<Probe> probes, final long ratePerSecond, final Duration warmup, final Duration duration)
        throws Exception
    {
        if (ratePerSecond <= 0)
        {
            throw new IllegalArgumentException("ratePerSecond must be positive: " + ratePerSecond);
        }
        final long warmupNs = nonNegativeNanos(warmup, "warmup");
        final long durationNs = positiveNanos(duration, "duration");
        final int threads = probes.size();
        final double intervalNs = (double)NANOS_PER_SECOND / ratePerSecond;
        final double threadIntervalNs = intervalNs * threads;
        return runThreads(probes, (probe, index, stop, histogram, warmupStartNs) ->
        {
            final long phaseNs = (long)(intervalNs * index);
            if (warmupNs > 0)
            {
                paced(probe, stop, null, warmupStartNs + phaseNs, threadIntervalNs, warmupStartNs + warmupNs);
            }
            final long startNs = warmupStartNs + warmupNs;
            paced(probe, stop, histogram, startNs + phaseNs, threadIntervalNs, startNs + durationNs);
            return startNs;
        });
    }

    private static void paced(
        final Probe probe,
        final AtomicBoolean stop,
        final Histogram histogram,
        final long firstDueNs,
        final double intervalNs,
        final long endNs) throws Exception
    {
        for (long i = 0; ; i++)
        {
            final long dueNs = firstDueNs + (long)(i * intervalNs);
            if (dueNs - endNs >= 0 || stop.get())
            {
                return;
            }
            waitUntil(dueNs);
            probe.call();
            if (null != histogram)
            {
                record(histogram, System.nanoTime() - dueNs);
            }
        }
    }

    private static void waitUntil(final long dueNs)
    {
        long remaining;
        while ((remaining = dueNs - System.nanoTime()) > 0)
        {
            if (remaining > PARK_THRESHOLD_NS)
            {
                LockSupport.parkNanos(remaining - PARK_MARGIN_NS);
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    private static void record(final Histogram histogram, final long valueNs)
    {
        histogram.recordValue(Math.min(Math.max(valueNs, 0L), HIGHEST_TRACKABLE_NS));
    }

    @FunctionalInterface
    private interface Worker
    {
        /**
         * @return when the measured period began ({@link System#nanoTime()}).
         */
        long run(Probe probe, int index, AtomicBoolean stop, Histogram histogram, long warmupStartNs)
            throws Exception;
    }

    /**
     * Converts {@link System#nanoTime()} readings to epoch milliseconds for the histograms' time stamps.
     */
    private static final class Clock
    {
        private final long epochMs = System.currentTimeMillis();
        private final long nanoTime = System.nanoTime();

        void stamp(final Histogram histogram, final long startNs, final long endNs)
        {
            histogram.setStartTimeStamp(epochMs + Math.floorDiv(startNs - nanoTime, 1_000_000L));
            histogram.setEndTimeStamp(epochMs + Math.floorDiv(endNs - nanoTime, 1_000_000L));
        }
    }

    private static Histogram runThreads(final List<Probe> probes, final Worker worker) throws Exception
    {
        Objects.requireNonNull(probes, "probes");
        if (probes.isEmpty())
        {
            throw new IllegalArgumentException("at least one probe is needed");
        }
        final int count = probes.size();
        final Histogram[] histograms = new Histogram[count];
        for (int i = 0; i < count; i++)
        {
            histograms[i] = newHistogram();
        }
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Clock clock = new Clock();
        // A common start a little ahead, so every thread is running before the first call is due.
        final long warmupStartNs = System.nanoTime() + (count > 1 ? 5_000_000L : 0L);
        if (count == 1)
        {
            final long startNs = worker.run(
                Objects.requireNonNull(probes.getFirst(), "probe"), 0, stop, histograms[0], warmupStartNs);
            clock.stamp(histograms[0], startNs, System.nanoTime());
            return histograms[0];
        }
        final List<Thread> threads = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final int index = i;
            final Probe probe = Objects.requireNonNull(probes.get(i), "probe");
            final Thread thread = new Thread(() ->
            {
                try
                {
                    waitUntil(warmupStartNs);
                    final long startNs = worker.run(probe, index, stop, histograms[index], warmupStartNs);
                    clock.stamp(histograms[index], startNs, System.nanoTime());
                }
                catch (final Throwable t)
                {
                    failure.compareAndSet(null, t);
                    stop.set(true);
                }
            }, "latency-harness-" + i);
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
        for (final Thread thread : threads)
        {
            thread.join();
        }
        final Throwable t = failure.get();
        if (t instanceof Exception e)
        {
            throw e;
        }
        if (t instanceof Error e)
        {
            throw e;
        }
        final Histogram merged = newHistogram();
        long startMs = Long.MAX_VALUE;
        long endMs = Long.MIN_VALUE;
        for (final Histogram h : histograms)
        {
            merged.add(h);
            startMs = Math.min(startMs, h.getStartTimeStamp());
            endMs = Math.max(endMs, h.getEndTimeStamp());
        }
        merged.setStartTimeStamp(startMs);
        merged.setEndTimeStamp(endMs);
        return merged;
    }

    private static void requireNonNegative(final long value, final String name)
    {
        if (value < 0)
        {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }

    private static long nonNegativeNanos(final Duration duration, final String name)
    {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative())
        {
            throw new IllegalArgumentException(name + " must not be negative: " + duration);
        }
        return duration.toNanos();
    }

    private static long positiveNanos(final Duration duration, final String name)
    {
        Objects.requireNonNull(duration, name);
        if (duration.isNegative() || duration.isZero())
        {
            throw new IllegalArgumentException(name + " must be positive: " + duration);
        }
        return duration.toNanos();
    }
}
