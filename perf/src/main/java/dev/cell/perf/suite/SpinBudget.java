package dev.cell.perf.suite;

/**
 * How many threads of the suite may busy-spin at once: never more than the cores minus one, so one core is always
 * left to the operating system, the JIT and the rest of the machine. Only one path runs at a time, so the budget is
 * shared by its two sides: the serving peer spins first (it is what a latency-sensitive deployment would pin), the
 * measuring side only when a second spinner fits.
 *
 * @param cores         the cores the JVM sees.
 * @param maxSpinners   {@code max(0, cores - 1)}.
 * @param peerWait      how the serving side of a shared-memory or Aeron ping-pong waits.
 * @param pingerWait    how the measuring side waits.
 * @param junctionSpinClientSpins whether the client of the {@code spin} junction may spin too (else it uses
 *                                {@code eco}).
 */
public record SpinBudget(int cores, int maxSpinners, Wait peerWait, Wait pingerWait, boolean junctionSpinClientSpins)
{
    /**
     * @param cores the number of cores.
     * @return the budget for that many cores.
     */
    public static SpinBudget forCores(final int cores)
    {
        if (cores < 1)
        {
            throw new IllegalArgumentException("cores must be at least 1: " + cores);
        }
        final int max = cores - 1;
        return new SpinBudget(cores, max, max >= 1 ? Wait.SPIN : Wait.BACKOFF, max >= 2 ? Wait.SPIN : Wait.BACKOFF,
            max >= 2);
    }

    /**
     * @return the budget of this machine.
     */
    public static SpinBudget ofThisMachine()
    {
        return forCores(Runtime.getRuntime().availableProcessors());
    }

    /**
     * @return the profile label of a shared-memory or Aeron path, e.g. "peer spin, pinger back-off".
     */
    public String sharedMemoryProfile()
    {
        return "peer " + peerWait.label() + ", pinger " + pingerWait.label();
    }

    /**
     * @return how many threads spin while a shared-memory path runs.
     */
    public int spinnersInUse()
    {
        return (peerWait == Wait.SPIN ? 1 : 0) + (pingerWait == Wait.SPIN ? 1 : 0);
    }
}
