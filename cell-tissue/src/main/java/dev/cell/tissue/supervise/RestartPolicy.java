package dev.cell.tissue.supervise;

import dev.cell.tissue.config.LifeCycle;
import org.agrona.concurrent.NanoClock;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * How a supervisor answers a cell's crashes, from its {@code [life_cycle]}: restart after a back-off that doubles per
 * crash of the same instance slot ({@code backoff} up to {@code backoff_max}, back to {@code backoff} once a slot has
 * run a whole {@code restart_window} without crashing), until the cell crashes more than {@code max_restarts} times
 * within {@code restart_window} — a crash loop, after which it is stopped rather than restarted.
 * <p>
 * Pure logic on an injected clock, so it is tested without processes or sleeps. Not thread safe: the supervisor
 * calls it under the cell's lock.
 *
 * @since 0.1
 */
public final class RestartPolicy
{
    private static final int MAX_DOUBLINGS = 20;

    private final LifeCycle lifeCycle;
    private final NanoClock clock;
    private final ArrayDeque<Long> crashTimes = new ArrayDeque<>();

    /**
     * What to do about a crash.
     *
     * @param restart whether to restart (false: crash loop, stop the cell).
     * @param delay   how long to wait before the restart (zero on a crash loop).
     * @param crashes crashes of the cell within the window, this one included.
     */
    public record Decision(boolean restart, Duration delay, int crashes)
    {
    }

    /**
     * One instance slot's crash streak, for its back-off.
     */
    public static final class Slot
    {
        private int streak;
        private long lastCrashNs;

        /**
         * @return crashes in a row, each within {@code restart_window} of the one before.
         */
        public int streak()
        {
            return streak;
        }
    }

    /**
     * @param lifeCycle the cell's {@code [life_cycle]}.
     * @param clock     the time source (a fake one in tests).
     */
    public RestartPolicy(final LifeCycle lifeCycle, final NanoClock clock)
    {
        this.lifeCycle = lifeCycle;
        this.clock = clock;
    }

    /**
     * Record a crash of one slot now and decide.
     *
     * @param slot the slot whose instance crashed.
     * @return restart after a delay, or stop the cell (crash loop).
     */
    public Decision crashed(final Slot slot)
    {
        final long now = clock.nanoTime();
        final long window = lifeCycle.restartWindow().toNanos();
        crashTimes.addLast(now);
        while (now - crashTimes.peekFirst() > window)
        {
            crashTimes.removeFirst();
        }
        if (crashTimes.size() > lifeCycle.maxRestarts())
        {
            return new Decision(false, Duration.ZERO, crashTimes.size());
        }
        slot.streak = slot.streak > 0 && now - slot.lastCrashNs <= window ? slot.streak + 1 : 1;
        slot.lastCrashNs = now;
        return new Decision(true, backoff(slot.streak), crashTimes.size());
    }

    /**
     * @param streak crashes in a row (1 for the first).
     * @return the delay before the restart: {@code backoff × 2^(streak - 1)}, at most {@code backoff_max}.
     */
    public Duration backoff(final int streak)
    {
        final long base = lifeCycle.backoff().toNanos();
        final long max = lifeCycle.backoffMax().toNanos();
        final int doublings = Math.min(MAX_DOUBLINGS, Math.max(0, streak - 1));
        final long delay = base > (max >> doublings) ? max : Math.min(max, base << doublings);
        return Duration.ofNanos(delay);
    }

    /**
     * @return crashes counted in the current window (as of the last crash).
     */
    public int crashesInWindow()
    {
        return crashTimes.size();
    }
}
