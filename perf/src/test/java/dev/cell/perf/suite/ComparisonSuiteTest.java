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
    void optionsHaveDefaultsAndBadOnesAreNamed()
    {
        final ComparisonSuite.Options defaults = ComparisonSuite.Options.parse(new String[0]);
        assertEquals(3, defaults.rounds());
        assertEquals(2_000, defaults.rate());
        assertEquals(java.nio.file.Path.of("perf", "results"), defaults.out());
        final ComparisonSuite.Options some = ComparisonSuite.Options.parse(
            new String[] {"--rounds", "1", "--rate", "5,000", "--seconds", "0.5", "--only", "floor,grpc"});
        assertEquals(1, some.rounds());
        assertEquals(5_000, some.rate());
        assertEquals(0.5, some.seconds());
        assertEquals(java.util.Set.of("floor", "grpc"), some.only());
        assertEquals(null, ComparisonSuite.Options.parse(new String[] {"--help"}));

        assertEquals("--rounds takes a whole number, not 'three'", assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--rounds", "three"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--rate", "0"})).getMessage()
            .startsWith("--rate must be between 1 and"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--seconds", "soon"})).getMessage()
            .contains("takes seconds"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--fast"})).getMessage()
            .startsWith("option --fast needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--fast", "yes"})).getMessage()
            .startsWith("unknown option --fast; usage: ./cell perf"));
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
