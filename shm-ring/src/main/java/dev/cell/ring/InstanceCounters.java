package dev.cell.ring;

import org.agrona.concurrent.AtomicBuffer;

/**
 * The counters an instance keeps in its {@code instance.dat} for whoever reads them (its supervisor's scrape
 * endpoint, {@code cell top}, {@code cell status}): per handler slot and per instance. Written by the instance's
 * serving thread only — one writer, so each update is a plain load and an ordered store ({@code putLongRelease}):
 * no lock, no atomic read-modify-write, no allocation. A reader in another process sees every counter move forward
 * and never a torn value; it may see one counter of a call updated before another (a call counted, its service time
 * not yet), which a scrape taken after the call returned never does.
 * <p>
 * <b>Handler slots.</b> {@link #HANDLER_SLOTS} slots, one per handler by its position in the genome's handler list
 * (sorted by name); handlers past the last slot and requests that name no handler (unknown template, a frame
 * refused before its handler was known) are counted in {@link #OTHER_SLOT}. A slot, from its start:
 * <pre>
 *   offset  size  field
 *   ------  ----  ----------------------------------------------------------------
 *        0     8  calls                requests dispatched to the handler
 *        8     8  declared errors      calls answered with one of the handler's declared errors
 *       16     8  service time sum     nanoseconds, over every run in the histogram
 *       32    64  failures             8 counters by failure code (index = the protocol's FailureCode value;
 *                                      0 counts any code out of range)
 *      128  2048  service times        {@link ServiceTimes#BUCKETS} log-linear buckets, as the instance-wide one
 * </pre>
 *
 * @since 0.1
 */
public final class InstanceCounters
{
    /**
     * Slots for named handlers (positions 0 .. 63 of the genome's handler list).
     */
    public static final int HANDLER_SLOTS = 64;

    /**
     * The slot for handlers past {@link #HANDLER_SLOTS} and requests that name no handler.
     */
    public static final int OTHER_SLOT = HANDLER_SLOTS;

    /**
     * Every slot: the named ones and {@link #OTHER_SLOT}.
     */
    public static final int SLOTS = HANDLER_SLOTS + 1;

    /**
     * Failure counters per slot (failure codes 1 .. 7 today, 0 for any other).
     */
    public static final int FAILURE_CODES = 8;

    /**
     * Bytes of one slot.
     */
    public static final int SLOT_LENGTH = 128 + ServiceTimes.BUCKETS * Long.BYTES;

    /**
     * Idle profile value of {@code eco} in the instance file.
     */
    public static final int IDLE_ECO = 1;

    /**
     * Idle profile value of {@code spin} in the instance file.
     */
    public static final int IDLE_SPIN = 2;

    static final int CALLS = 0;
    static final int DECLARED_ERRORS = 8;
    static final int SUM_NS = 16;
    static final int FAILURES = 32;
    static final int BUCKETS = 128;

    private final AtomicBuffer buffer;

    InstanceCounters(final AtomicBuffer buffer)
    {
        this.buffer = buffer;
    }

    /**
     * @param slot a slot number, any int.
     * @return its offset in the instance file; a number out of range is the {@link #OTHER_SLOT}.
     */
    static int slotOffset(final int slot)
    {
        final int s = slot < 0 || slot > OTHER_SLOT ? OTHER_SLOT : slot;
        return InstanceFile.HANDLER_SLOTS_OFFSET + s * SLOT_LENGTH;
    }

    private void increment(final int offset)
    {
        buffer.putLongRelease(offset, buffer.getLong(offset) + 1);
    }

    /**
     * Count one request dispatched to a handler.
     *
     * @param slot the handler's slot.
     */
    public void handlerCall(final int slot)
    {
        increment(slotOffset(slot) + CALLS);
    }

    /**
     * Count one run of a handler in its service-time histogram.
     *
     * @param slot  the handler's slot.
     * @param nanos how long it ran.
     */
    public void handlerServiceTime(final int slot, final long nanos)
    {
        final int base = slotOffset(slot);
        final long ns = Math.max(0, nanos);
        buffer.putLongRelease(base + SUM_NS, buffer.getLong(base + SUM_NS) + ns);
        increment(base + BUCKETS + ServiceTimes.bucket(ns) * Long.BYTES);
    }

    /**
     * Count one call of a handler answered with one of its declared errors.
     *
     * @param slot the handler's slot.
     */
    public void handlerDeclaredError(final int slot)
    {
        increment(slotOffset(slot) + DECLARED_ERRORS);
    }

    /**
     * Count one call answered with a failure.
     *
     * @param slot the handler's slot ({@link #OTHER_SLOT} when the request named none).
     * @param code the protocol's failure code value; one out of range is counted under 0.
     */
    public void handlerFailure(final int slot, final int code)
    {
        final int index = code <= 0 || code >= FAILURE_CODES ? 0 : code;
        increment(slotOffset(slot) + FAILURES + index * Long.BYTES);
    }

    /**
     * Count one reply that found its client's ring full and had to wait for space (kept pending on its session).
     */
    public void replyBackPressured()
    {
        increment(InstanceFile.BACK_PRESSURED_OFFSET);
    }

    /**
     * Serving thread: calls accepted and not answered yet (async replies outstanding, replies waiting for ring
     * space), which the host's registry agent reports as the instance's queue depth.
     *
     * @param depth the count now.
     */
    public void queueDepth(final int depth)
    {
        buffer.putLongRelease(InstanceFile.QUEUE_DEPTH_OFFSET, depth);
    }

    /**
     * Publish how the serving thread idles and how many sessions are open (from its housekeeping).
     *
     * @param profile     {@link #IDLE_ECO} or {@link #IDLE_SPIN}.
     * @param sleeps      how often it went to sleep on its doorbell so far.
     * @param sleptNs     how long it slept in all, nanoseconds.
     * @param connections sessions open now.
     */
    public void idle(final int profile, final long sleeps, final long sleptNs, final int connections)
    {
        buffer.putIntRelease(InstanceFile.IDLE_PROFILE_OFFSET, profile);
        buffer.putLongRelease(InstanceFile.IDLE_SLEEPS_OFFSET, sleeps);
        buffer.putLongRelease(InstanceFile.IDLE_SLEPT_NS_OFFSET, sleptNs);
        buffer.putLongRelease(InstanceFile.CONNECTIONS_OFFSET, connections);
    }
}
