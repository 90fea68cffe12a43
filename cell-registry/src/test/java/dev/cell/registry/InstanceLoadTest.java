package dev.cell.registry;

import dev.cell.ring.InstanceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a host's agent reports for an instance, from its {@code instance.dat}, on a clock the test moves.
 */
class InstanceLoadTest
{
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path runDir;

    @Test
    void shouldReportCallsPerSecondTimesOfTheLastWindowAndTheQueueNow() throws Exception
    {
        final AtomicLong clock = new AtomicLong(10 * SECOND);
        final InstanceLoad load = new InstanceLoad(runDir, clock::get);
        assertEquals(RegistryLease.Load.NONE, load.get(), "no instance file: nothing");
        try (InstanceFile file = InstanceFile.create(runDir, 42, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            serve(file, 50, 100_000); // before the first report: not in any window
            file.counters().queueDepth(2);
            assertEquals(new RegistryLease.Load(0, 0, 2, 0), load.get(), "the first report has no window yet");

            serve(file, 99, 20_000);
            serve(file, 1, 5_000_000);
            clock.addAndGet(SECOND / 2);
            final RegistryLease.Load half = load.get();
            assertEquals(200, half.callsPerSecond(), "100 calls in half a second");
            assertTrue(half.p50Us() >= 20 && half.p50Us() <= 25, "p50 of the window (bucket bound): " + half);
            assertTrue(half.p99Us() >= 20 && half.p99Us() <= 25, "99 of 100 took 20 µs: " + half);
            assertEquals(2, half.queueDepth());

            serve(file, 2, 5_000_000);
            clock.addAndGet(SECOND / 2);
            final RegistryLease.Load full = load.get();
            assertEquals(102, full.callsPerSecond(), "the window is a second now: 102 calls");
            assertTrue(full.p99Us() >= 5_000 && full.p99Us() <= 6_250, "3 of 102 took 5 ms: " + full);

            file.counters().queueDepth(0);
            clock.addAndGet(SECOND / 4);
            final RegistryLease.Load quiet = load.get();
            assertEquals(new RegistryLease.Load(0, 0, 0, 0), quiet, "a new window with no calls: " + quiet);
        }
    }

    private static void serve(final InstanceFile file, final int calls, final long nanos)
    {
        for (int i = 0; i < calls; i++)
        {
            file.incrementCalls();
            file.recordServiceTime(nanos);
        }
    }
}
