package dev.cell.tissue.supervise;

import dev.cell.tissue.config.LifeCycle;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The restart policy on a fake clock: no process, no sleep.
 */
class RestartPolicyTest
{
    private static final long MS = 1_000_000L;

    // max_restarts 3 within 10 s, back-off 100 ms doubling to 1 s.
    private final LifeCycle lifeCycle = new LifeCycle(Duration.ZERO, 3, Duration.ofSeconds(10),
        Duration.ofMillis(100), Duration.ofSeconds(1), null, Duration.ofSeconds(5));
    private final CachedNanoClock clock = new CachedNanoClock();
    private final RestartPolicy policy = new RestartPolicy(lifeCycle, clock);

    @Test
    void backOffDoublesPerCrashOfASlotUpToTheMax()
    {
        final RestartPolicy.Slot slot = new RestartPolicy.Slot();
        final RestartPolicy many = new RestartPolicy(new LifeCycle(Duration.ZERO, 100, Duration.ofSeconds(10),
            Duration.ofMillis(100), Duration.ofSeconds(1), null, Duration.ofSeconds(5)), clock);
        final long[] expectedMs = {100, 200, 400, 800, 1000, 1000};
        for (final long expected : expectedMs)
        {
            clock.advance(50 * MS);
            final RestartPolicy.Decision d = many.crashed(slot);
            assertTrue(d.restart());
            assertEquals(Duration.ofMillis(expected), d.delay(), "crash " + slot.streak());
        }
    }

    @Test
    void moreCrashesThanMaxRestartsWithinTheWindowIsACrashLoop()
    {
        final RestartPolicy.Slot slot = new RestartPolicy.Slot();
        for (int i = 1; i <= 3; i++)
        {
            clock.advance(1_000 * MS);
            final RestartPolicy.Decision d = policy.crashed(slot);
            assertTrue(d.restart(), "crash " + i + " of max_restarts 3 is restarted");
            assertEquals(i, d.crashes());
        }
        clock.advance(1_000 * MS);
        final RestartPolicy.Decision fourth = policy.crashed(slot);
        assertFalse(fourth.restart(), "a fourth crash within 10 s is a crash loop");
        assertEquals(4, fourth.crashes());
        assertEquals(Duration.ZERO, fourth.delay());
    }

    @Test
    void crashesOlderThanTheWindowDoNotCount()
    {
        final RestartPolicy.Slot slot = new RestartPolicy.Slot();
        for (int i = 0; i < 20; i++)
        {
            clock.advance(4_000 * MS); // one crash every 4 s: at most 3 within any 10 s
            assertTrue(policy.crashed(slot).restart(), "crash " + i);
            assertTrue(policy.crashesInWindow() <= 3, "in window: " + policy.crashesInWindow());
        }
    }

    @Test
    void theCrashBudgetIsTheCellsAndTheBackOffEachSlots()
    {
        final RestartPolicy.Slot a = new RestartPolicy.Slot();
        final RestartPolicy.Slot b = new RestartPolicy.Slot();
        clock.advance(MS);
        assertEquals(Duration.ofMillis(100), policy.crashed(a).delay());
        assertEquals(Duration.ofMillis(200), policy.crashed(a).delay());
        assertEquals(Duration.ofMillis(100), policy.crashed(b).delay(), "another slot starts its own streak");
        assertFalse(policy.crashed(b).restart(), "but the four crashes are the cell's: a crash loop");
    }

    @Test
    void aSlotThatRanAWholeWindowStartsItsBackOffAgain()
    {
        final RestartPolicy.Slot slot = new RestartPolicy.Slot();
        clock.advance(MS);
        policy.crashed(slot);
        policy.crashed(slot);
        assertEquals(Duration.ofMillis(400), policy.crashed(slot).delay());
        clock.advance(10_001 * MS);
        final RestartPolicy.Decision later = policy.crashed(slot);
        assertTrue(later.restart(), "the earlier crashes left the window");
        assertEquals(1, later.crashes());
        assertEquals(Duration.ofMillis(100), later.delay());
    }

    @Test
    void backOffNeverOverflows()
    {
        final RestartPolicy huge = new RestartPolicy(new LifeCycle(Duration.ZERO, 5, Duration.ofSeconds(60),
            Duration.ofDays(1), Duration.ofDays(2), null, Duration.ofSeconds(5)), clock);
        assertEquals(Duration.ofDays(2), huge.backoff(64));
        assertEquals(Duration.ofDays(1), huge.backoff(1));
        assertEquals(Duration.ofDays(2), huge.backoff(2));
    }
}
