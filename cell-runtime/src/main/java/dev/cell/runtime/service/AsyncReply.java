package dev.cell.runtime.service;

import org.agrona.DirectBuffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

/**
 * One request handed to the {@link AsyncDispatcher}; completed from any thread (the first completion wins), sent by
 * the serving thread.
 */
final class AsyncReply implements AsyncDispatcher.Completion
{
    static final int OK = 1;
    static final int APP_ERROR = 2;
    static final int UNAVAILABLE = 3;
    static final int FAILED = 4;
    static final int REFUSED = 5;
    private static final VarHandle KIND;

    static
    {
        try
        {
            KIND = MethodHandles.lookup().findVarHandle(AsyncReply.class, "kind", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Consumer<AsyncReply> completed;
    final ServerConnection conn;
    final long correlationId;
    final int slot;
    final long startNs;
    volatile int kind;
    byte[] bytes;
    int length;
    String detail;
    boolean traced;
    long traceIdHigh;
    long traceIdLow;
    long spanId;
    long parentSpanId;
    String handler;
    long startEpochNs;
    long spanStartNs;
    long endNs;

    /**
     * @param completed     takes the reply once completed (thread safe; wakes the serving thread).
     * @param conn          the session to answer on.
     * @param correlationId the call.
     * @param slot          the counter slot of its handler.
     * @param startNs       when it was handed to the dispatcher ({@link System#nanoTime()}).
     */
    AsyncReply(final Consumer<AsyncReply> completed, final ServerConnection conn, final long correlationId,
        final int slot, final long startNs)
    {
        this.completed = completed;
        this.conn = conn;
        this.correlationId = correlationId;
        this.slot = slot;
        this.startNs = startNs;
    }

    /**
     * Record this request's span when it completes (the serving thread, before handing it over).
     */
    void traced(
        final long traceIdHigh,
        final long traceIdLow,
        final long spanId,
        final long parentSpanId,
        final String handler,
        final long startEpochNs,
        final long spanStartNs)
    {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.spanId = spanId;
        this.parentSpanId = parentSpanId;
        this.handler = handler;
        this.startEpochNs = startEpochNs;
        this.spanStartNs = spanStartNs;
        this.traced = true;
    }

    @Override
    public void reply(final DirectBuffer reply, final int offset, final int length, final boolean error)
    {
        final byte[] copy = new byte[length];
        reply.getBytes(offset, copy);
        this.bytes = copy;
        this.length = length;
        complete(error ? APP_ERROR : OK);
    }

    @Override
    public void fail(final boolean unavailable, final String detail)
    {
        this.detail = detail;
        complete(unavailable ? UNAVAILABLE : FAILED);
    }

    @Override
    public void refuse(final String detail)
    {
        this.detail = detail;
        complete(REFUSED);
    }

    private void complete(final int outcome)
    {
        if (KIND.compareAndSet(this, 0, outcome))
        {
            endNs = System.nanoTime(); // the handler's time ends here, not when the serving thread sends the reply
            completed.accept(this);
        }
    }
}
