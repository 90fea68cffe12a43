package dev.cell.runtime.service;

/**
 * The request envelope of the call being dispatched: who sent it (client session and sequence), its W3C trace
 * context and its deadline. One instance per serving thread, overwritten for every request: read it during
 * {@link AsyncDispatcher#dispatchAsync} and copy what is kept.
 *
 * @since 0.2
 */
public final class Envelope
{
    private long correlationId;
    private long sessionHigh;
    private long sessionLow;
    private long sequence;
    private long traceIdHigh;
    private long traceIdLow;
    private long parentSpanId;
    private int traceFlags;
    private long deadlineEpochNs;

    /**
     * Set every field (the serving thread does, per request).
     *
     * @param correlationId   the call's id on its junction.
     * @param sessionHigh     client session, high half (creation time, epoch ms).
     * @param sessionLow      client session, low half (random).
     * @param sequence        the call's number in the session, from 1.
     * @param traceIdHigh     W3C trace-id, first 8 bytes.
     * @param traceIdLow      W3C trace-id, last 8 bytes.
     * @param parentSpanId    W3C parent-id.
     * @param traceFlags      W3C trace-flags.
     * @param deadlineEpochNs deadline, 0 for none.
     * @return this.
     */
    public Envelope set(
        final long correlationId,
        final long sessionHigh,
        final long sessionLow,
        final long sequence,
        final long traceIdHigh,
        final long traceIdLow,
        final long parentSpanId,
        final int traceFlags,
        final long deadlineEpochNs)
    {
        this.correlationId = correlationId;
        this.sessionHigh = sessionHigh;
        this.sessionLow = sessionLow;
        this.sequence = sequence;
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.parentSpanId = parentSpanId;
        this.traceFlags = traceFlags;
        this.deadlineEpochNs = deadlineEpochNs;
        return this;
    }

    /**
     * @return the call's id on its junction.
     */
    public long correlationId()
    {
        return correlationId;
    }

    /**
     * @return client session, high half (creation time of the session, epoch ms, client clock).
     */
    public long sessionHigh()
    {
        return sessionHigh;
    }

    /**
     * @return client session, low half (random).
     */
    public long sessionLow()
    {
        return sessionLow;
    }

    /**
     * @return the call's number within its session, from 1 (0: the client sent none).
     */
    public long sequence()
    {
        return sequence;
    }

    /**
     * @return W3C trace-id, first 8 bytes.
     */
    public long traceIdHigh()
    {
        return traceIdHigh;
    }

    /**
     * @return W3C trace-id, last 8 bytes.
     */
    public long traceIdLow()
    {
        return traceIdLow;
    }

    /**
     * @return W3C parent-id (the caller's span).
     */
    public long parentSpanId()
    {
        return parentSpanId;
    }

    /**
     * @return W3C trace-flags.
     */
    public int traceFlags()
    {
        return traceFlags;
    }

    /**
     * @return deadline in epoch nanoseconds, 0 for none.
     */
    public long deadlineEpochNs()
    {
        return deadlineEpochNs;
    }
}
