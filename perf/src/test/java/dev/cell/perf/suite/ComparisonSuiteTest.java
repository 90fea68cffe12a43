package dev.cell.perf.suite;

import dev.cell.runtime.bench.LatencyHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonSuiteTest
{
    @Test
    void warmUpMakesAtLeastTheMinimumCalls() throws Exception
    {
        final AtomicLong calls = new AtomicLong();
        assertEquals(5_000, ComparisonSuite.warmUp(calls::incrementAndGet, Duration.ZERO, 5_000));
        assertEquals(5_000, calls.get());
    }

    @Test
    void aFixedRateRunThatCannotKeepTheRateIsStopped()
    {
        // a probe that takes 1 ms cannot keep 100,000 calls/s: the guard stops it long before its 10 s duration
        final GuardedProbe slow = new GuardedProbe(() -> Thread.sleep(1), Duration.ofMillis(100));
        final long startNs = System.nanoTime();
        final GuardedProbe.RateNotKept ex = assertThrows(GuardedProbe.RateNotKept.class,
            () -> LatencyHarness.fixedRate(slow, 100_000, Duration.ZERO, Duration.ofSeconds(10)));
        assertTrue(ex.getMessage().startsWith("could not keep the rate"), ex.getMessage());
        assertTrue(System.nanoTime() - startNs < Duration.ofSeconds(9).toNanos(), "stopped by the guard");
    }

    @Test
    void aBusyMachineIsRecognisedFromItsLoadAverage()
    {
        assertTrue(ComparisonSuite.loadBusy("1.50 0.80 0.40", 2));
        assertFalse(ComparisonSuite.loadBusy("0.90 3.00 3.00", 2));
        assertFalse(ComparisonSuite.loadBusy("unknown", 2));
        assertFalse(ComparisonSuite.loadAverage().isEmpty());
    }
}
