package dev.cell.ring;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A copy of the counters in an instance's {@code instance.dat} (see {@link InstanceCounters} and
 * {@link InstanceFile}), taken by another process without keeping the file mapped: the instance's identity, its
 * instance-wide counters, its idle profile and, per handler slot, calls, declared errors, failures by code and the
 * service-time histogram. Each value is read with acquire semantics; values are copied one by one, so a snapshot
 * taken while calls run may hold one counter of a call and not yet another.
 * <p>
 * <b>Note:</b> not thread safe; reusable ({@link #read} overwrites it).
 *
 * @since 0.1
 */
public final class CountersSnapshot
{
    private final long[] slotCalls = new long[InstanceCounters.SLOTS];
    private final long[] slotDeclaredErrors = new long[InstanceCounters.SLOTS];
    private final long[] slotSumNs = new long[InstanceCounters.SLOTS];
    private final long[] slotFailures = new long[InstanceCounters.SLOTS * InstanceCounters.FAILURE_CODES];
    private final long[] slotBuckets = new long[InstanceCounters.SLOTS * ServiceTimes.BUCKETS];
    private long pid;
    private long startEpochMs;
    private long fingerprint;
    private int state;
    private long heartbeatEpochMs;
    private long calls;
    private long errors;
    private long backPressured;
    private long connections;
    private long queueDepth;
    private int idleProfile;
    private long idleSleeps;
    private long idleSleptNs;

    /**
     * Copy the counters of an instance file.
     *
     * @param path the instance file.
     * @return false when it cannot be read or is not an instance file of this layout (then this is unchanged).
     */
    public boolean read(final Path path)
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ))
        {
            if (channel.size() < InstanceFile.HEADER_LENGTH)
            {
                return false;
            }
            final UnsafeBuffer b = new UnsafeBuffer(
                channel.map(FileChannel.MapMode.READ_ONLY, 0, InstanceFile.HEADER_LENGTH));
            if (b.getLongAcquire(InstanceFile.MAGIC_OFFSET) != InstanceFile.MAGIC ||
                b.getInt(InstanceFile.VERSION_OFFSET) != InstanceFile.LAYOUT_VERSION)
            {
                return false;
            }
            copy(b);
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    private void copy(final UnsafeBuffer b)
    {
        pid = b.getLong(InstanceFile.PID_OFFSET);
        startEpochMs = b.getLong(InstanceFile.START_OFFSET);
        fingerprint = b.getLong(InstanceFile.FINGERPRINT_OFFSET);
        state = b.getIntVolatile(InstanceFile.STATE_OFFSET);
        heartbeatEpochMs = b.getLongAcquire(InstanceFile.HEARTBEAT_OFFSET);
        calls = b.getLongAcquire(InstanceFile.CALLS_OFFSET);
        errors = b.getLongAcquire(InstanceFile.ERRORS_OFFSET);
        backPressured = b.getLongAcquire(InstanceFile.BACK_PRESSURED_OFFSET);
        connections = b.getLongAcquire(InstanceFile.CONNECTIONS_OFFSET);
        queueDepth = b.getLongAcquire(InstanceFile.QUEUE_DEPTH_OFFSET);
        idleProfile = b.getIntAcquire(InstanceFile.IDLE_PROFILE_OFFSET);
        idleSleeps = b.getLongAcquire(InstanceFile.IDLE_SLEEPS_OFFSET);
        idleSleptNs = b.getLongAcquire(InstanceFile.IDLE_SLEPT_NS_OFFSET);
        for (int s = 0; s < InstanceCounters.SLOTS; s++)
        {
            final int base = InstanceCounters.slotOffset(s);
            // Buckets before calls: a reader then never sees more runs in the histogram than calls counted.
            for (int i = 0; i < ServiceTimes.BUCKETS; i++)
            {
                slotBuckets[s * ServiceTimes.BUCKETS + i] =
                    b.getLongAcquire(base + InstanceCounters.BUCKETS + i * Long.BYTES);
            }
            slotSumNs[s] = b.getLongAcquire(base + InstanceCounters.SUM_NS);
            for (int c = 0; c < InstanceCounters.FAILURE_CODES; c++)
            {
                slotFailures[s * InstanceCounters.FAILURE_CODES + c] =
                    b.getLongAcquire(base + InstanceCounters.FAILURES + c * Long.BYTES);
            }
            slotDeclaredErrors[s] = b.getLongAcquire(base + InstanceCounters.DECLARED_ERRORS);
            slotCalls[s] = b.getLongAcquire(base + InstanceCounters.CALLS);
        }
    }

    /**
     * @return the instance's pid.
     */
    public long pid()
    {
        return pid;
    }

    /**
     * @return the instance process's start time, epoch ms.
     */
    public long startEpochMs()
    {
        return startEpochMs;
    }

    /**
     * @return the genome fingerprint it serves.
     */
    public long fingerprint()
    {
        return fingerprint;
    }

    /**
     * @return its state, one of {@code InstanceFile.STATE_*}.
     */
    public int state()
    {
        return state;
    }

    /**
     * @return its last heartbeat, epoch ms.
     */
    public long heartbeatEpochMs()
    {
        return heartbeatEpochMs;
    }

    /**
     * @return requests dispatched, every handler together.
     */
    public long calls()
    {
        return calls;
    }

    /**
     * @return calls answered with a failure or a declared error, every handler together.
     */
    public long errors()
    {
        return errors;
    }

    /**
     * @return replies that found their client's ring full and waited for space.
     */
    public long backPressured()
    {
        return backPressured;
    }

    /**
     * @return sessions open at its last housekeeping (every ~100 ms).
     */
    public long connections()
    {
        return connections;
    }

    /**
     * @return calls accepted and not answered yet at the snapshot ({@link InstanceCounters#queueDepth}).
     */
    public long queueDepth()
    {
        return queueDepth;
    }

    /**
     * @return {@link InstanceCounters#IDLE_ECO}, {@link InstanceCounters#IDLE_SPIN}, or 0 before its first
     * housekeeping.
     */
    public int idleProfile()
    {
        return idleProfile;
    }

    /**
     * @return how often its serving thread went to sleep on its doorbell.
     */
    public long idleSleeps()
    {
        return idleSleeps;
    }

    /**
     * @return how long its serving thread slept in all, nanoseconds.
     */
    public long idleSleptNs()
    {
        return idleSleptNs;
    }

    /**
     * @param slot a handler slot.
     * @return requests dispatched to it.
     */
    public long slotCalls(final int slot)
    {
        return slotCalls[slot];
    }

    /**
     * @param slot a handler slot.
     * @return calls answered with one of its declared errors.
     */
    public long slotDeclaredErrors(final int slot)
    {
        return slotDeclaredErrors[slot];
    }

    /**
     * @param slot a handler slot.
     * @param code a failure code value (0 .. {@link InstanceCounters#FAILURE_CODES} - 1).
     * @return calls answered with that failure.
     */
    public long slotFailures(final int slot, final int code)
    {
        return slotFailures[slot * InstanceCounters.FAILURE_CODES + code];
    }

    /**
     * @param slot   a handler slot.
     * @param bucket a bucket of {@link ServiceTimes}.
     * @return runs counted in it.
     */
    public long slotBucket(final int slot, final int bucket)
    {
        return slotBuckets[slot * ServiceTimes.BUCKETS + bucket];
    }

    /**
     * @param slot a handler slot.
     * @return runs in its service-time histogram.
     */
    public long slotCount(final int slot)
    {
        long n = 0;
        for (int i = 0; i < ServiceTimes.BUCKETS; i++)
        {
            n += slotBuckets[slot * ServiceTimes.BUCKETS + i];
        }
        return n;
    }

    /**
     * @param slot a handler slot.
     * @return the sum of its runs' service times, nanoseconds.
     */
    public long slotSumNs(final int slot)
    {
        return slotSumNs[slot];
    }

    /**
     * @param slot a handler slot.
     * @return true when anything was counted in it.
     */
    public boolean slotUsed(final int slot)
    {
        if (slotCalls[slot] != 0 || slotDeclaredErrors[slot] != 0)
        {
            return true;
        }
        for (int c = 0; c < InstanceCounters.FAILURE_CODES; c++)
        {
            if (slotFailures[slot * InstanceCounters.FAILURE_CODES + c] != 0)
            {
                return true;
            }
        }
        return false;
    }
}
