package dev.cell.perf.state;

import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Drives one path: back to back from one caller, or with a fixed number of calls in flight (each completion lets the
 * next call go: the closed loop of that many concurrent clients). Latency is measured from the call to its
 * completion, in nanoseconds; the process' CPU time is taken around the run.
 */
public final class Load
{
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);

    private Load()
    {
    }

    /**
     * What one run measured.
     *
     * @param histogram latencies in ns.
     * @param calls     completed calls.
     * @param failures  calls that failed (not in the histogram).
     * @param elapsedNs the run's length.
     * @param cpuNs     CPU time of this process during the run (all threads), or -1 when unknown.
     */
    public record Sample(Histogram histogram, long calls, long failures, long elapsedNs, long cpuNs)
    {
        /**
         * @return completed calls per second.
         */
        public double perSecond()
        {
            return elapsedNs == 0 ? 0 : calls * 1e9 / elapsedNs;
        }
    }

    /**
     * @return a histogram for latencies in ns up to 60 s, 3 significant digits.
     */
    public static Histogram histogram()
    {
        return new Histogram(HIGHEST_NS, 3);
    }

    /**
     * One caller, each call after the previous one returned.
     *
     * @param seconds how long.
     * @param call    one blocking call.
     * @return what it measured.
     */
    public static Sample backToBack(final double seconds, final Runnable call)
    {
        final Histogram h = histogram();
        final long cpu0 = cpuNs();
        final long start = System.nanoTime();
        final long end = start + (long)(seconds * 1e9);
        long calls = 0;
        long failures = 0;
        long now = start;
        while (now < end)
        {
            final long t0 = System.nanoTime();
            try
            {
                call.run();
                now = System.nanoTime();
                h.recordValue(Math.min(now - t0, HIGHEST_NS));
                calls++;
            }
            catch (final RuntimeException ex)
            {
                now = System.nanoTime();
                failures++;
            }
        }
        return new Sample(h, calls, failures, now - start, cpuNs() - cpu0);
    }

    /**
     * {@code inflight} calls outstanding at all times: a call is issued (by this thread) as soon as one completes.
     *
     * @param seconds  how long to issue calls; the run ends when the last one completed.
     * @param inflight calls outstanding.
     * @param call     issues one call, returns its completion.
     * @return what it measured.
     */
    public static Sample inFlight(final double seconds, final int inflight,
        final Supplier<? extends CompletableFuture<?>> call)
    {
        final Histogram h = histogram();
        final Semaphore permits = new Semaphore(inflight);
        final AtomicLong failures = new AtomicLong();
        final long[] calls = {0};
        final long cpu0 = cpuNs();
        final long start = System.nanoTime();
        final long end = start + (long)(seconds * 1e9);
        while (System.nanoTime() < end)
        {
            permits.acquireUninterruptibly();
            final long t0 = System.nanoTime();
            final CompletableFuture<?> f;
            try
            {
                f = call.get();
            }
            catch (final RuntimeException ex)
            {
                failures.incrementAndGet();
                permits.release();
                continue;
            }
            f.whenComplete((r, e) ->
            {
                final long d = System.nanoTime() - t0;
                if (e == null)
                {
                    synchronized (h)
                    {
                        h.recordValue(Math.min(d, HIGHEST_NS));
                        calls[0]++;
                    }
                }
                else
                {
                    failures.incrementAndGet();
                }
                permits.release();
            });
        }
        try
        {
            if (!permits.tryAcquire(inflight, 1, TimeUnit.MINUTES))
            {
                throw new IllegalStateException("calls still outstanding a minute after the run");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        final long elapsed = System.nanoTime() - start;
        final long cpu = cpuNs() - cpu0;
        synchronized (h)
        {
            return new Sample(h.copy(), calls[0], failures.get(), elapsed, cpu);
        }
    }

    /**
     * @return CPU time of this process so far (all threads), ns, or 0 when the platform does not say.
     */
    public static long cpuNs()
    {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
        {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }
}
