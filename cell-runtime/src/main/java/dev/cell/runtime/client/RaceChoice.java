package dev.cell.runtime.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Which instance a {@link RacingConnection}'s next call goes to. Lower {@link RaceMember#score} is better
 * (peak-sensitive latency × (queue + 1), Finagle's form, the queue being the larger of this client's calls in flight
 * and the instance's reported queue depth); in order:
 * <ol>
 * <li>an instance never heard from, with nothing in flight, is tried first (while its first call is in flight it
 * gets no other);</li>
 * <li>a call safe to repeat goes to another instance than the current one whose estimate is older than
 * {@link #PROBE_AFTER_NS} (the oldest, one at a time), at most once per {@link #PROBE_EVERY_CALLS} calls, so that an
 * instance that was slow, or a fast one that stalled once, is measured again: a busy client probes each instance
 * about every {@link #PROBE_AFTER_NS}, one that calls once a second sends one call in {@link #PROBE_EVERY_CALLS} to
 * be measured. Only calls safe to repeat probe, because a probed instance may have hung since;</li>
 * <li>otherwise the client stays with its current instance until its score exceeds the best of the others' by more
 * than {@link #MARGIN} (or a call to it fails), the best of the others being the better of two drawn at random
 * (power of two choices: clients with the same view do not all move to one winner).</li>
 * </ol>
 * Ejected instances ({@link RaceMember#ejected}) are passed over while any other is open. Repeats and hedges
 * ({@code tried} not 0) take the best of two untried instances and leave the current one as it is. Allocates nothing.
 */
final class RaceChoice
{
    /**
     * How far the current instance's score may rise above the best other's before calls move: 25 %.
     */
    static final double MARGIN = 0.25;

    /**
     * Age of an estimate after which a call safe to repeat measures the instance again, nanoseconds.
     */
    static final long PROBE_AFTER_NS = 100_000_000L;

    /**
     * Fewest calls between two probes.
     */
    static final int PROBE_EVERY_CALLS = 16;

    private volatile RaceMember current;
    private volatile int callsSinceProbe;

    /**
     * @param ms     the instances now.
     * @param tried  bit i set: instance i was tried for this call already (first 64 instances).
     * @param nowNs  the clock now.
     * @param repeat whether the call is safe to repeat (may probe).
     * @return the instance, or null when none is open and untried.
     */
    RaceMember choose(final RaceMember[] ms, final long tried, final long nowNs, final boolean repeat)
    {
        int open = 0;
        int live = 0;
        for (int i = 0; i < ms.length; i++)
        {
            final RaceMember m = ms[i];
            if (open(m, i, tried))
            {
                if (m.cost(nowNs) == 0)
                {
                    return m;
                }
                open++;
                if (!m.ejected(nowNs))
                {
                    live++;
                }
            }
        }
        if (open == 0)
        {
            return null;
        }
        final boolean withEjected = live == 0;
        if (tried == 0 && ++callsSinceProbe >= PROBE_EVERY_CALLS && repeat)
        {
            RaceMember oldest = null;
            for (int i = 0; i < ms.length; i++)
            {
                final RaceMember m = ms[i];
                if (m != current && candidate(m, i, tried, nowNs, withEjected) && m.stale(nowNs, PROBE_AFTER_NS) &&
                    (oldest == null || m.lastAnswerNs() - oldest.lastAnswerNs() < 0))
                {
                    oldest = m;
                }
            }
            if (oldest != null)
            {
                callsSinceProbe = 0;
                return oldest;
            }
        }
        RaceMember cur = tried == 0 ? current : null;
        final int at = cur == null ? -1 : indexOf(ms, cur);
        if (at < 0 || !candidate(cur, at, tried, nowNs, withEjected))
        {
            cur = null;
        }
        final RaceMember best = bestOfTwo(ms, tried, nowNs, withEjected, cur, (withEjected ? open : live) -
            (cur == null ? 0 : 1));
        if (cur == null)
        {
            if (tried == 0)
            {
                current = best;
            }
            return best;
        }
        if (best != null && cur.score(nowNs) > best.score(nowNs) * (1 + MARGIN))
        {
            current = best;
            return best;
        }
        return cur;
    }

    /**
     * A call to {@code m} failed: the next call chooses afresh.
     *
     * @param m the instance.
     */
    void failed(final RaceMember m)
    {
        if (current == m)
        {
            current = null;
        }
    }

    /**
     * @return the instance calls stay with now, or null.
     */
    RaceMember current()
    {
        return current;
    }

    private static RaceMember bestOfTwo(
        final RaceMember[] ms, final long tried, final long nowNs, final boolean withEjected, final RaceMember except,
        final int n)
    {
        if (n <= 0)
        {
            return null;
        }
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final int first = random.nextInt(n);
        int second = -1;
        if (n > 1)
        {
            second = random.nextInt(n - 1);
            second += second >= first ? 1 : 0;
        }
        RaceMember a = null;
        RaceMember b = null;
        int k = 0;
        for (int i = 0; i < ms.length; i++)
        {
            final RaceMember m = ms[i];
            if (m != except && candidate(m, i, tried, nowNs, withEjected))
            {
                if (k == first)
                {
                    a = m;
                }
                else if (k == second)
                {
                    b = m;
                }
                k++;
            }
        }
        return b == null || (a != null && a.score(nowNs) <= b.score(nowNs)) ? a : b;
    }

    private static boolean candidate(
        final RaceMember m, final int index, final long tried, final long nowNs, final boolean withEjected)
    {
        return open(m, index, tried) && (withEjected || !m.ejected(nowNs));
    }

    private static boolean open(final RaceMember m, final int index, final long tried)
    {
        return (index >= 64 || (tried & (1L << index)) == 0) && m.connection.isOpen();
    }

    private static int indexOf(final RaceMember[] ms, final RaceMember m)
    {
        for (int i = 0; i < ms.length; i++)
        {
            if (ms[i] == m)
            {
                return i;
            }
        }
        return -1;
    }
}
