package dev.cell.ring;

import org.agrona.concurrent.AtomicBuffer;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes a sleeping waiter in another process. Two ints in a shared mapping, on their own cache line:
 * <pre>
 *   +0  sleepers  number of threads between {@link #prepareSleep()} and the end of {@link #sleep(int, long)}
 *   +4  sequence  bumped by every wake that found a sleeper; the futex word
 * </pre>
 * Protocol (Dekker style, both sides fence):
 * <pre>
 *   sleeper                                   waker
 *   seq = prepareSleep()   (reads sequence,   commit message (ordered store)
 *                           sleepers++ fenced) signal(): fullFence; if sleepers &gt; 0:
 *   if no work: sleep(seq, timeoutNs)                   sequence++; FUTEX_WAKE
 *   (sleep always ends with sleepers--)
 * </pre>
 * Either the sleeper's re-check sees the message, or the waker sees the sleeper; a wake between the re-check and
 * the {@code FUTEX_WAIT} changes the sequence so the wait returns at once. Where futex is unavailable, sleeping is a
 * timed park of at most 1 ms, so a wake is noticed within that.
 *
 * @since 0.1
 */
public final class Doorbell
{
    /**
     * Bytes a doorbell occupies (a cache line, so sleepers/sequence do not share it with hot fields).
     */
    public static final int LENGTH = 64;

    static final int SLEEPERS_OFFSET = 0;
    static final int SEQUENCE_OFFSET = 4;

    private static final long FALLBACK_PARK_MAX_NS = 1_000_000L;

    private final AtomicBuffer buffer;
    private final int offset;
    private final long sequenceAddress;

    /**
     * @param buffer  the mapped buffer (its address must be the mapping's).
     * @param offset  where the doorbell starts (8-byte aligned).
     */
    public Doorbell(final AtomicBuffer buffer, final int offset)
    {
        buffer.boundsCheck(offset, LENGTH);
        this.buffer = buffer;
        this.offset = offset;
        this.sequenceAddress = buffer.addressOffset() + offset + SEQUENCE_OFFSET;
    }

    /**
     * @return true when sleeping uses a futex; false when it falls back to timed parking.
     */
    public static boolean futexAvailable()
    {
        return Futex.AVAILABLE;
    }

    /**
     * @return why futex is not used, or null when it is.
     */
    public static String futexUnavailableReason()
    {
        return Futex.UNAVAILABLE_REASON;
    }

    /**
     * Announce that the calling thread is about to sleep. Must be followed by a re-check for work and then exactly
     * one {@link #sleep(int, long)} or {@link #cancelSleep()}.
     *
     * @return the sequence to pass to {@link #sleep(int, long)}.
     */
    public int prepareSleep()
    {
        final int sequence = buffer.getIntVolatile(offset + SEQUENCE_OFFSET);
        buffer.getAndAddInt(offset + SLEEPERS_OFFSET, 1);
        return sequence;
    }

    /**
     * Sleep until woken, the sequence moved, or the timeout; then leave the sleeper count.
     *
     * @param sequence  from {@link #prepareSleep()}.
     * @param timeoutNs the longest sleep.
     */
    public void sleep(final int sequence, final long timeoutNs)
    {
        try
        {
            if (timeoutNs > 0)
            {
                if (Futex.AVAILABLE)
                {
                    Futex.await(sequenceAddress, sequence, timeoutNs);
                }
                else if (buffer.getIntVolatile(offset + SEQUENCE_OFFSET) == sequence)
                {
                    LockSupport.parkNanos(Math.min(timeoutNs, FALLBACK_PARK_MAX_NS));
                }
            }
        }
        finally
        {
            buffer.getAndAddInt(offset + SLEEPERS_OFFSET, -1);
        }
    }

    /**
     * Leave the sleeper count without sleeping (the re-check found work).
     */
    public void cancelSleep()
    {
        buffer.getAndAddInt(offset + SLEEPERS_OFFSET, -1);
    }

    /**
     * Wake the sleepers, if any. Call after committing what they wait for. Costs a fence and a load when nobody
     * sleeps.
     */
    public void signal()
    {
        VarHandle.fullFence();
        if (buffer.getIntVolatile(offset + SLEEPERS_OFFSET) > 0)
        {
            ring();
        }
    }

    /**
     * Wake the sleepers unconditionally.
     */
    public void ring()
    {
        buffer.getAndAddInt(offset + SEQUENCE_OFFSET, 1);
        if (Futex.AVAILABLE)
        {
            Futex.wake(sequenceAddress);
        }
    }

    /**
     * @return how many threads sleep (or are about to) on this doorbell.
     */
    public int sleepers()
    {
        return buffer.getIntVolatile(offset + SLEEPERS_OFFSET);
    }

    /**
     * @return the current sequence.
     */
    public int sequence()
    {
        return buffer.getIntVolatile(offset + SEQUENCE_OFFSET);
    }
}
