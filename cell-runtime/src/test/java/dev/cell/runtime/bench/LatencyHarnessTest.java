package dev.cell.runtime.bench;

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
        assertTrue(histogram.getValueAtPercentile(50) < DELAY_NS + 5 * MS,
            () -> "p50 " + histogram.getValueAtPercentile(50));
        assertTrue(histogram.getValueAtPercentile(99) < DELAY_NS + 20 * MS,
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
        final long stallNs = 50 * MS;
        final long rate = 1_000;
        final AtomicLong calls = new AtomicLong();
        // What a naive harness would record: the service time of each call, measured around the call.
        final Histogram uncorrected = LatencyHarness.newHistogram();
        final Probe stallingProbe = () ->
        {
            final long start = System.nanoTime();
            // Warm-up is 100 calls at this rate: the stall falls in the measured second.
            spinFor(calls.incrementAndGet() == 400 ? stallNs : DELAY_NS);
            uncorrected.recordValue(System.nanoTime() - start);
        };

        final long start = System.nanoTime();
        final Histogram corrected = LatencyHarness.fixedRate(
            stallingProbe, rate, Duration.ofMillis(100), Duration.ofSeconds(1));
        final long elapsed = System.nanoTime() - start;

        // Every scheduled call is made, the late ones as soon as possible, and never faster than the rate.
        assertTrue(corrected.getTotalCount() >= 999 && corrected.getTotalCount() <= 1_001,
            () -> "count " + corrected.getTotalCount());
        assertTrue(elapsed >= 1_000 * MS, () -> "ran " + elapsed + " ns");
        final long measured = LatencyHarness.elapsedNanos(corrected);
        assertTrue(measured >= 990 * MS && measured <= elapsed, () -> "measured period " + measured + " ns");
        assertTrue(corrected.getValueAtPercentile(50) >= DELAY_NS, () -> "p50 " + corrected.getValueAtPercentile(50));
        assertTrue(corrected.getValueAtPercentile(50) < DELAY_NS + 5 * MS,
            () -> "p50 " + corrected.getValueAtPercentile(50));

        // The calls queued behind the stall waited 50, 49, 48 ... ms: about 40 of them 10 ms or more.
        final long correctedSlow = corrected.getCountBetweenValues(10 * MS, LatencyHarness.HIGHEST_TRACKABLE_NS);
        assertTrue(correctedSlow >= 20, () -> "corrected samples >= 10 ms: " + correctedSlow);
        assertTrue(corrected.getValueAtPercentile(99) >= 10 * MS, () -> "p99 " + corrected.getValueAtPercentile(99));
        assertTrue(corrected.getMaxValue() >= stallNs * 999 / 1000, () -> "max " + corrected.getMaxValue());

        // Measured around each call, the same run shows one slow call and an unremarkable p99.
        final long uncorrectedSlow = uncorrected.getCountBetweenValues(10 * MS, LatencyHarness.HIGHEST_TRACKABLE_NS);
        assertTrue(uncorrectedSlow >= 1 && uncorrectedSlow <= 5,
            () -> "uncorrected samples >= 10 ms: " + uncorrectedSlow);
        assertTrue(uncorrected.getValueAtPercentile(99) < 5 * MS,
            () -> "uncorrected p99 " + uncorrected.getValueAtPercentile(99));
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
