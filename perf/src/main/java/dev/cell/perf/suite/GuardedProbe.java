package dev.cell.perf.suite;

import dev.cell.tools.bench.Probe;

import java.time.Duration;

/**
 * Bounds a fixed-rate run: the harness makes {@code rate × duration} calls whatever they cost, so a path that cannot
 * keep the rate would take as long as its backlog. Past its deadline this probe throws {@link RateNotKept} and the
 * suite leaves that round out, saying so. Checks the clock every 64 calls only.
 */
final class GuardedProbe implements Probe
{
    private final Probe probe;
    private final Duration limit;
    private final long deadlineNs;
    private long calls;

    GuardedProbe(final Probe probe, final Duration limit)
    {
        this.probe = probe;
        this.limit = limit;
        this.deadlineNs = System.nanoTime() + limit.toNanos();
    }

    @Override
    public void call() throws Exception
    {
        probe.call();
        if ((++calls & 63) == 0 && System.nanoTime() - deadlineNs > 0)
        {
            throw new RateNotKept("could not keep the rate: " + calls + " calls made in " + limit.toMillis() / 1000.0 +
                " s");
        }
    }

    /**
     * The path fell so far behind the schedule that the run was stopped.
     */
    static final class RateNotKept extends Exception
    {
        private static final long serialVersionUID = 1L;

        RateNotKept(final String message)
        {
            super(message, null, false, false);
        }
    }
}
