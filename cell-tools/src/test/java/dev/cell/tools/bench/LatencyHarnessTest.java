package dev.cell.tools.bench;

import dev.cell.runtime.genome.Json;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the harness itself against a synthetic target whose delay is known. Bounds are generous (the build runs on
 * a shared 2-core machine) but a harness that timed after the call, or dropped the coordinated-omission correction,
 * fails.
 */
class LatencyHarnessTest
{
    private static final long DELAY_NS = 200_000L;
    private static final long MS = 1_000_000L;

    private static void spinFor(final long nanos)
    {
        final long start = System.nanoTime();
        while (System.nanoTime() - start < nanos)
        {
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldBracketAKnownDelayBackToBack() throws Exception
    {
        final AtomicLong calls = new AtomicLong();
        final Histogram histogram = LatencyHarness.backToBack(() ->
        {
            calls.incrementAndGet();
            spinFor(DELAY_NS);
        }, 200, 2_000);

        assertEquals(2_000, histogram.getTotalCount());
        assertEquals(2_200, calls.get());
        assertTrue(histogram.getValueAtPercentile(50) >= DELAY_NS, () -> "p50 " + histogram.getValueAtPercentile(50));
        assertTrue(histogram.getValueAtPercentile(99) >= DELAY_NS, () -> "p99 " + histogram.getValueAtPercentile(99));
        // Histogram buckets keep 3 digits: the lowest equivalent value of a bucket may be 0.1 % below the value.
        assertTrue(histogram.getMinValue() >= DELAY_NS * 999 / 1000, () -> "min " + histogram.getMinValue());
        // Upper bounds loose enough for a loaded machine, tight enough to catch a harness that accumulates time
        // (which would report p50 near 200 ms here).
        assertTrue(histogram.getValueAtPercentile(50) < DELAY_NS + 20 * MS,
            () -> "p50 " + histogram.getValueAtPercentile(50));
        assertTrue(histogram.getValueAtPercentile(99) < DELAY_NS + 100 * MS,
            () -> "p99 " + histogram.getValueAtPercentile(99));
    }

    @Test
    void shouldCallBackToBackForADuration() throws Exception
    {
        final long start = System.nanoTime();
        final Histogram histogram = LatencyHarness.backToBack(
            () -> spinFor(DELAY_NS), Duration.ofMillis(50), Duration.ofMillis(300));
        final long elapsed = System.nanoTime() - start;

        assertTrue(elapsed >= 350 * MS, () -> "ran " + elapsed + " ns");
        // At most one call per delay fits in 300 ms; a noisy machine may fit fewer, but not none.
        assertTrue(histogram.getTotalCount() > 10 && histogram.getTotalCount() <= 1_500,
            () -> "count " + histogram.getTotalCount());
        assertTrue(histogram.getValueAtPercentile(50) >= DELAY_NS, () -> "p50 " + histogram.getValueAtPercentile(50));
    }

    @Test
    void shouldCorrectForCoordinatedOmissionAtAFixedRate() throws Exception
    {
        // 200 calls/s of a 50 us target leave the thread idle 99 % of the time, so it catches up at once after any
        // preemption on a loaded machine; one call stalls (sleeps) 200 ms, long enough to queue about 40 calls.
        final long delayNs = 50_000L;
        final long stallMs = 200;
        final long rate = 200;
        final AtomicLong calls = new AtomicLong();
        // What a naive harness would record: the service time of each call, measured around the call.
        final Histogram uncorrected = LatencyHarness.newHistogram();
        final Probe stallingProbe = () ->
        {
            final long start = System.nanoTime();
            // Warm-up is 20 calls at this rate: the stall falls in the middle of the measured second.
            if (calls.incrementAndGet() == 120)
            {
                Thread.sleep(stallMs);
            }
            else
            {
                spinFor(delayNs);
            }
            uncorrected.recordValue(System.nanoTime() - start);
        };

        final long start = System.nanoTime();
        final Histogram corrected = LatencyHarness.fixedRate(
            stallingProbe, rate, Duration.ofMillis(100), Duration.ofSeconds(1));
        final long elapsed = System.nanoTime() - start;

        // Every scheduled call is made, the late ones as soon as possible, and never faster than the rate.
        assertTrue(corrected.getTotalCount() >= 199 && corrected.getTotalCount() <= 201,
            () -> "count " + corrected.getTotalCount());
        assertTrue(elapsed >= 1_000 * MS, () -> "ran " + elapsed + " ns");
        final long measured = LatencyHarness.elapsedNanos(corrected);
        assertTrue(measured >= 990 * MS && measured <= elapsed, () -> "measured period " + measured + " ns");
        // Timed from the intended send time, a call never looks faster than the target...
        assertTrue(corrected.getMinValue() >= delayNs * 999 / 1000, () -> "min " + corrected.getMinValue());
        // ... and most calls were on time (a harness timing from the start of the run would put p50 near 500 ms).
        assertTrue(corrected.getValueAtPercentile(50) < 20 * MS, () -> "p50 " + corrected.getValueAtPercentile(50));

        // The calls queued behind the stall waited 200, 195, 190 ... ms: about 38 of them 10 ms or more. Measured
        // around each call (uncorrected), only the stalled call itself (and any call a busy machine preempted) is
        // that slow; every such call is slow in the corrected histogram too, so the difference is the queue.
        final long correctedSlow = corrected.getCountBetweenValues(10 * MS, LatencyHarness.HIGHEST_TRACKABLE_NS);
        final long uncorrectedSlow = uncorrected.getCountBetweenValues(10 * MS, LatencyHarness.HIGHEST_TRACKABLE_NS);
        assertTrue(uncorrectedSlow >= 1, () -> "the stall itself: " + uncorrectedSlow);
        assertTrue(correctedSlow - uncorrectedSlow >= 25,
            () -> "corrected samples >= 10 ms: " + correctedSlow + ", uncorrected: " + uncorrectedSlow);
        assertTrue(corrected.getValueAtPercentile(90) >= 10 * MS, () -> "p90 " + corrected.getValueAtPercentile(90));
        assertTrue(corrected.getMaxValue() >= stallMs * MS * 999 / 1000, () -> "max " + corrected.getMaxValue());
    }

    @Test
    void shouldSplitTheRateOverSeveralProbesAndMerge() throws Exception
    {
        final AtomicLong first = new AtomicLong();
        final AtomicLong second = new AtomicLong();
        final Histogram histogram = LatencyHarness.fixedRate(List.of(
            () ->
            {
                first.incrementAndGet();
                spinFor(DELAY_NS / 2);
            },
            () ->
            {
                second.incrementAndGet();
                spinFor(DELAY_NS / 2);
            }), 2_000, Duration.ofMillis(50), Duration.ofMillis(500));

        assertTrue(histogram.getTotalCount() >= 998 && histogram.getTotalCount() <= 1_002,
            () -> "count " + histogram.getTotalCount());
        assertTrue(Math.abs(first.get() - second.get()) <= 2, () -> first.get() + " vs " + second.get());
        assertTrue(histogram.getValueAtPercentile(50) >= DELAY_NS / 2,
            () -> "p50 " + histogram.getValueAtPercentile(50));
    }

    @Test
    void shouldRethrowWhatAProbeThrows()
    {
        final IllegalStateException boom = new IllegalStateException("boom");
        final Probe failing = () ->
        {
            throw boom;
        };
        assertSame(boom, assertThrows(IllegalStateException.class, () -> LatencyHarness.backToBack(failing, 0, 10)));
        assertSame(boom, assertThrows(IllegalStateException.class,
            () -> LatencyHarness.fixedRate(List.of(failing, failing), 1_000, Duration.ZERO, Duration.ofMillis(100))));
        assertThrows(IllegalArgumentException.class,
            () -> LatencyHarness.fixedRate(failing, 0, Duration.ZERO, Duration.ofMillis(100)));
    }

    @Test
    void shouldSummariseInMicroseconds()
    {
        final Histogram histogram = LatencyHarness.newHistogram();
        for (int i = 1; i <= 1_000; i++)
        {
            histogram.recordValue(i * 1_000L);
        }
        final LatencySummary summary = LatencySummary.of(histogram, 2_000_000_000L, "back-to-back", "eco");

        assertEquals(1_000, summary.count());
        assertEquals(500.0, summary.p50Us(), 1.0);
        assertEquals(990.0, summary.p99Us(), 1.0);
        assertEquals(1_000.0, summary.maxUs(), 1.0);
        assertEquals(500.0, summary.throughputPerSec(), 1e-9);

        final Map<String, Object> json = Json.parseObject(summary.toJson());
        assertEquals(1_000L, json.get("count"));
        assertEquals("back-to-back", json.get("mode"));
        assertEquals("eco", json.get("idleProfile"));
        assertEquals(summary.p999Us(), ((Number)json.get("p999Us")).doubleValue(), 1e-9);
    }
}
