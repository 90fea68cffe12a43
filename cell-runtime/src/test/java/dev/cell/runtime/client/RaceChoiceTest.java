package dev.cell.runtime.client;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The racing client's estimates ({@link RaceMember}) and choice ({@link RaceChoice}) on a clock the test sets. The
 * members' connections are stand-ins that only answer {@code isOpen} (the choice reads nothing else); the calls
 * themselves are exercised against real instances by {@code RacingConnectionTest}.
 */
class RaceChoiceTest
{
    private static final long MS = 1_000_000L;

    private static RaceMember member(final String name)
    {
        return new RaceMember(name, name, new StubConnection(), 0);
    }

    /**
     * Answers of {@code rttNs} each, back to back from {@code fromNs}; returns the clock after the last.
     */
    private static long answers(final RaceMember m, final int n, final long rttNs, final long fromNs)
    {
        long now = fromNs;
        for (int i = 0; i < n; i++)
        {
            now += rttNs;
            m.begin(now - rttNs);
            m.observe(rttNs, now);
            m.end(now);
        }
        return now;
    }

    @Test
    void oneStallAtMostDoublesTheCostAndLastingSlownessIsKnownWithinFourAnswers()
    {
        final RaceMember m = member("a");
        long now = answers(m, 50, MS / 2, 0);
        assertEquals(MS / 2, m.cost(now), MS / 100);
        now = answers(m, 1, 40 * MS, now);
        assertEquals(MS, m.cost(now), 1, "a 40 ms stall doubles a 0.5 ms cost, no more");
        now = answers(m, 15, MS / 2, now);
        assertTrue(m.cost(now) < 0.6 * MS, "forgotten within 15 answers: " + m.cost(now));
        now = answers(m, 4, 5 * MS, now);
        assertEquals(5 * MS, m.cost(now), 1, "0.5 -> 1 -> 2 -> 4 -> 5 ms");
    }

    @Test
    void anAnswerAfterAPauseWeighsMoreThanOneBackToBack()
    {
        final RaceMember m = member("a");
        long now = answers(m, 1, 5 * MS, 0);
        final RaceMember n = member("b");
        answers(n, 1, 5 * MS, 0);
        answers(m, 1, MS, now);
        answers(n, 1, MS, now + 400 * MS);
        assertEquals(4 * MS, m.cost(now + MS), MS / 100, "back to back: a quarter of the way");
        assertTrue(n.cost(now + 401 * MS) < 1.6 * MS, "after 400 ms: most of the way: " + n.cost(now + 401 * MS));
    }

    @Test
    void aProbeThatAnswersFastAfterAPauseSetsTheCostToItsAnswer()
    {
        final RaceMember m = member("a");
        long now = answers(m, 20, MS / 2, 0);
        now = answers(m, 5, 20 * MS, now); // a stall of the machine: 0.5 -> 1 -> 2 -> 4 -> 8 -> 16 ms
        assertEquals(16 * MS, m.cost(now), 1);
        final long later = now + RaceChoice.PROBE_AFTER_NS;
        m.begin(later);
        m.observe(MS / 2, later + MS / 2);
        m.end(later + MS / 2);
        assertEquals(MS / 2, m.cost(later + MS / 2), 1, "the stall is over: the probe's answer is the cost");
        final long soon = answers(m, 3, 20 * MS, later + MS); // 0.5 -> 1 -> 2 -> 4 ms
        m.begin(soon + MS);
        m.observe(MS / 2, soon + MS + MS / 2);
        assertTrue(m.cost(soon + 2 * MS) > MS, "back to back, a fast answer only pulls the cost part of the way");
    }

    @Test
    void aCallInFlightRaisesTheCostAsItWaitsAndANewInstanceGetsOneCallAtATime()
    {
        final RaceMember m = member("a");
        final long now = answers(m, 10, MS, 0);
        m.begin(now);
        assertEquals(MS, m.cost(now + MS / 2), 1);
        assertEquals(30 * MS, m.cost(now + 30 * MS), 1, "waited 30 ms");
        assertEquals(2 * 30 * MS, m.score(now + 30 * MS), 2, "score: cost x (in flight + 1)");
        final RaceMember fresh = member("b");
        assertEquals(0, fresh.cost(now));
        fresh.begin(now);
        assertEquals(RaceMember.UNKNOWN_BUSY_NS, fresh.cost(now));
    }

    @Test
    void anInstanceThatReportsAQueueScoresAsIfThoseCallsWereInFlight()
    {
        final RaceMember a = member("a");
        final RaceMember b = member("b");
        long now = answers(a, 20, MS, 0);
        now = answers(b, 20, MS, now);
        assertEquals(MS, a.score(now), 1);
        a.reportedQueueDepth(4);
        assertEquals(5 * MS, a.score(now), 1, "cost x (queue 4 + 1)");
        a.begin(now);
        assertEquals(5 * MS, a.score(now), 1, "this client's call is in the reported queue: not added");
        a.end(now);
        final RaceChoice choice = new RaceChoice();
        final RaceMember[] ms = {a, b};
        for (int i = 0; i < 100; i++)
        {
            assertSame(b, choice.choose(ms, 0, now, false), "the idle instance wins at equal round trips");
        }
        a.reportedQueueDepth(-3);
        assertEquals(0, a.reportedQueueDepth(), "a negative report counts as none");
    }

    @Test
    void theClientStaysWithItsInstanceUntilAnotherIsBetterByTheMargin()
    {
        final RaceMember a = member("a");
        final RaceMember b = member("b");
        final RaceMember[] ms = {a, b};
        final RaceChoice choice = new RaceChoice();
        long now = 0;
        assertSame(a, choice.choose(ms, 0, now, false), "never heard from: first");
        now = answers(a, 20, MS, now);
        assertSame(b, choice.choose(ms, 0, now, false), "never heard from: first");
        now = answers(b, 20, MS * 9 / 10, now);
        final RaceMember first = choice.choose(ms, 0, now, false);
        for (int i = 0; i < 100; i++)
        {
            assertSame(first, choice.choose(ms, 0, now, false), "within 25 %: no move");
        }
        final RaceMember other = first == a ? b : a;
        now = answers(other, 20, MS / 2, now);
        assertSame(other, choice.choose(ms, 0, now, false), "better by more than 25 %: moved");
        assertSame(other, choice.current());
        choice.failed(other);
        assertNull(choice.current(), "a failure ends the stay");
        assertSame(first, choice.choose(ms, 1L << (other == a ? 0 : 1), now, false), "a repeat takes an untried one");
        assertNull(choice.current(), "a repeat leaves the current one as it is");
    }

    @Test
    void aStaleEstimateIsMeasuredAgainByACallSafeToRepeatOnly()
    {
        final RaceMember fast = member("fast");
        final RaceMember slow = member("slow");
        final RaceMember[] ms = {fast, slow};
        final RaceChoice choice = new RaceChoice();
        answers(slow, 1, 5 * MS, 0);
        long now = answers(fast, 150, MS / 2, 5 * MS);
        assertTrue(now - 5 * MS < RaceChoice.PROBE_AFTER_NS);
        for (int i = 0; i < 1_000; i++)
        {
            assertSame(fast, choice.choose(ms, 0, now, true));
        }
        now = answers(fast, 400, MS / 2, now);
        assertSame(fast, choice.choose(ms, 0, now, false), "not safe to repeat: no probe");
        assertSame(slow, choice.choose(ms, 0, now, true), "its estimate is older than the probe age: probed");
        slow.begin(now);
        assertSame(fast, choice.choose(ms, 0, now, true), "one probe at a time");
        assertSame(fast, choice.current(), "a probe leaves the current one as it is");
    }

    @Test
    void aClientCallingOnceASecondProbesOnceInSixteenCallsNotEveryTime()
    {
        final RaceMember fast = member("fast");
        final RaceMember slow = member("slow");
        final RaceMember[] ms = {slow, fast};
        final RaceChoice choice = new RaceChoice();
        long now = answers(slow, 5, 5 * MS, 0);
        now = answers(fast, 5, MS / 2, now);
        int toSlow = 0;
        for (int call = 0; call < 64; call++)
        {
            now += 1_000 * MS;
            final RaceMember m = choice.choose(ms, 0, now, true);
            answers(m, 1, m == fast ? MS / 2 : 5 * MS, now);
            toSlow += m == slow ? 1 : 0;
        }
        assertEquals(64 / RaceChoice.PROBE_EVERY_CALLS, toSlow, "every estimate is stale at each call: probes are " +
            "rationed by calls, and the rest go to the fast one");
    }

    @Test
    void threeFailuresInARowEjectForABackOffThatDoublesAndAnAnswerEndsTheSeries()
    {
        final RaceMember a = member("a");
        final RaceMember b = member("b");
        final RaceMember[] ms = {a, b};
        final RaceChoice choice = new RaceChoice();
        long now = answers(a, 10, MS / 10, 0);
        now = answers(b, 10, 5 * MS, now);
        a.failed(now);
        a.failed(now);
        assertFalse(a.ejected(now));
        assertTrue(a.cost(now) >= 4 * RaceMember.MIN_HEDGE_NS, "each failure doubles the cost: " + a.cost(now));
        a.failed(now);
        assertTrue(a.ejected(now));
        assertTrue(a.ejected(now + RaceMember.EJECT_BASE_NS - 1));
        assertFalse(a.ejected(now + RaceMember.EJECT_BASE_NS));
        assertSame(b, choice.choose(ms, 0, now + MS, true), "an ejected instance is passed over");
        ((StubConnection)b.connection).open = false;
        assertSame(a, choice.choose(ms, 0, now + MS, true), "unless it is the only one open");
        ((StubConnection)b.connection).open = true;
        now += RaceMember.EJECT_BASE_NS;
        for (int i = 0; i < RaceMember.EJECT_AFTER; i++)
        {
            a.failed(now);
        }
        assertTrue(a.ejected(now + 2 * RaceMember.EJECT_BASE_NS - 1), "the second ejection in a row is twice as long");
        assertFalse(a.ejected(now + 2 * RaceMember.EJECT_BASE_NS));
        now += 2 * RaceMember.EJECT_BASE_NS;
        answers(a, 1, MS / 10, now);
        for (int i = 0; i < RaceMember.EJECT_AFTER; i++)
        {
            a.failed(now + MS);
        }
        assertFalse(a.ejected(now + MS + RaceMember.EJECT_BASE_NS), "an answer ended the series: back to 200 ms");
    }

    @Test
    void theBetterOfTwoDrawnNeverPicksTheWorstOfThree()
    {
        final RaceMember[] ms = {member("a"), member("b"), member("c")};
        long now = answers(ms[0], 10, MS, 0);
        now = answers(ms[1], 10, 2 * MS, now);
        now = answers(ms[2], 10, 3 * MS, now);
        final int[] picked = new int[3];
        final RaceChoice choice = new RaceChoice();
        for (int i = 0; i < 3_000; i++)
        {
            final RaceMember m = choice.choose(ms, 0, now, false);
            picked[m == ms[0] ? 0 : m == ms[1] ? 1 : 2]++;
            choice.failed(m);
        }
        assertEquals(0, picked[2], "the worst loses every pair it is drawn in");
        assertTrue(picked[0] > 1_700 && picked[1] > 700, "2/3 and 1/3 of the draws: " + picked[0] + "/" + picked[1]);
    }

    @Test
    void theHedgeDelayFollowsThePercentileAskedFor()
    {
        final long seed = System.nanoTime();
        System.out.println("RaceChoiceTest percentile seed " + seed);
        final java.util.Random random = new java.util.Random(seed);
        final RaceMember p95 = new RaceMember("a", "a", new StubConnection(), 0.95);
        final RaceMember tcp = member("b");
        long now = 0;
        // Round trips of 1 ms, one in ten 3 ms: the p95 is 3 ms (the estimate climbs while one in ten is above it and
        // sinks slowly while none is); TCP's form follows the latest answers.
        for (int i = 0; i < 5_000; i++)
        {
            final long rtt = random.nextInt(10) == 0 ? 3 * MS : MS;
            now += rtt;
            p95.observe(rtt, now);
            tcp.observe(rtt, now);
        }
        assertTrue(p95.hedgeDelayNs() > 1.5 * MS && p95.hedgeDelayNs() <= 3.3 * MS, "p95 " + p95.hedgeDelayNs());
        assertTrue(tcp.hedgeDelayNs() > MS, "smoothed + 4 deviations, above the usual round trip: " +
            tcp.hedgeDelayNs());

        assertEquals(0.95, RaceOptions.parseHedge("x", "p95").hedgePercentile(), 1e-9);
        assertEquals(Duration.ofMillis(3), RaceOptions.parseHedge("x", "3").hedgeAfter());
        assertTrue(RaceOptions.parseHedge("x", "true").hedge());
        assertFalse(RaceOptions.parseHedge("x", "false").hedge());
        for (final String bad : List.of("p100", "p40", "fast", "p"))
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> RaceOptions.parseHedge("cell.race.prices.hedge", bad));
            assertTrue(ex.getMessage().startsWith("cell.race.prices.hedge='" + bad + "'"), ex.getMessage());
        }
    }
}
