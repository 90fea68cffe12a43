package dev.cell.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * Is a process (pid + start time) still alive? A pid alone can be reused; the pair cannot (within the clock's
 * resolution). Not for hot paths: it reads {@code /proc} on Linux.
 *
 * @since 0.1
 */
public final class Liveness
{
    /**
     * Start times read in two processes may differ by the clock tick used to derive them.
     */
    static final long START_TIME_TOLERANCE_MS = 1_000;

    private static final long SELF_PID = ProcessHandle.current().pid();
    private static final long SELF_START_EPOCH_MS = startEpochMs(ProcessHandle.current());

    private Liveness()
    {
    }

    /**
     * @return this process's pid.
     */
    public static long currentPid()
    {
        return SELF_PID;
    }

    /**
     * @return this process's start time, epoch milliseconds.
     */
    public static long currentStartEpochMs()
    {
        return SELF_START_EPOCH_MS;
    }

    /**
     * @param pid a pid.
     * @return its start time in epoch milliseconds, or 0 when the process does not exist or it is unknown.
     */
    public static long startEpochMs(final long pid)
    {
        final Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.map(Liveness::startEpochMs).orElse(0L);
    }

    private static long startEpochMs(final ProcessHandle handle)
    {
        return handle.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /**
     * @param pid          the pid.
     * @param startEpochMs its recorded start time (epoch ms), 0 when unknown (then the pid alone decides).
     * @return true when a process with that pid runs, is not a zombie, and started at that time.
     */
    public static boolean isAlive(final long pid, final long startEpochMs)
    {
        if (pid <= 0)
        {
            return false;
        }
        if (pid == SELF_PID)
        {
            return startEpochMs == 0 || Math.abs(startEpochMs - SELF_START_EPOCH_MS) <= START_TIME_TOLERANCE_MS;
        }
        final Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive() || isZombie(pid))
        {
            return false;
        }
        if (startEpochMs == 0)
        {
            return true;
        }
        final long actual = startEpochMs(handle.get());
        return actual == 0 || Math.abs(actual - startEpochMs) <= START_TIME_TOLERANCE_MS;
    }

    private static boolean isZombie(final long pid)
    {
        final Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try
        {
            final String text = Files.readString(stat);
            final int close = text.lastIndexOf(')');
            if (close < 0 || close + 2 >= text.length())
            {
                return false;
            }
            final char state = text.charAt(close + 2);
            return state == 'Z' || state == 'X';
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }
}
