package dev.cell.runtime.client;

import dev.cell.ring.Junction;
import dev.cell.runtime.session.ClientProxy;
import dev.cell.runtime.trace.TraceContext;
import dev.cell.runtime.trace.TraceIds;
import dev.cell.runtime.transport.ClientEnd;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A connection's sending side: each request is encoded by the {@link ClientProxy} straight into space claimed in the
 * junction, never staged and copied. Senders lock the transmit lock, except the connection's owner while it uses the
 * connection alone ({@link CallGate}).
 * <p>
 * Each request carries the calling thread's trace ({@link TraceContext}): inside a handler the inbound trace id, the
 * handler's span as parent and the trace flags; elsewhere a new trace ({@link TraceIds}), no parent, sampled at the
 * process's rate. Either way nothing is allocated.
 */
final class RequestSender
{
    /**
     * The mapping faulted: the junction file was truncated under it.
     */
    static final int FAULTED = -100;

    private final ClientEnd transport;
    private final ClientSession session;
    private final BooleanSupplier closed;
    private final ClientProxy proxy = new ClientProxy();
    private final long[] callSession = new long[3];
    private final ReentrantLock txLock = new ReentrantLock();

    RequestSender(final ClientEnd transport, final ClientSession session, final BooleanSupplier closed)
    {
        this.transport = transport;
        this.session = session;
        this.closed = closed;
    }

    ReentrantLock lock()
    {
        return txLock;
    }

    /**
     * @return a {@link Junction} status, or {@link #FAULTED}.
     */
    int request(
        final long correlationId,
        final long deadlineEpochNs,
        final DirectBuffer request,
        final int offset,
        final int length,
        final boolean lock)
    {
        if (lock)
        {
            txLock.lock();
        }
        try
        {
            if (closed.getAsBoolean())
            {
                return Junction.CLOSED;
            }
            final int index = transport.claim(ClientProxy.requestLength(length));
            if (index < 0)
            {
                return index;
            }
            final MutableDirectBuffer buffer = transport.claimedBuffer();
            try
            {
                session.forCall(callSession);
                final TraceContext trace = TraceContext.current();
                if (trace.isActive())
                {
                    proxy.request(buffer, index, correlationId, callSession[0], callSession[1], callSession[2],
                        trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(), trace.flags(), deadlineEpochNs,
                        request, offset, length);
                }
                else
                {
                    final long seed = TraceIds.nextSeed();
                    final long traceIdLow = TraceIds.low(seed);
                    proxy.request(buffer, index, correlationId, callSession[0], callSession[1], callSession[2],
                        TraceIds.high(seed), traceIdLow, 0, TraceIds.rootFlags(traceIdLow), deadlineEpochNs,
                        request, offset, length);
                }
            }
            catch (final Throwable ex)
            {
                // E.g. a request buffer shorter than offset + length: give the slot back, or the instance would
                // wait on an uncommitted claim and close the junction as stuck.
                transport.abort(index);
                throw ex;
            }
            transport.commit(index);
            return Junction.OK;
        }
        catch (final InternalError ex)
        {
            return FAULTED;
        }
        finally
        {
            if (lock)
            {
                txLock.unlock();
            }
        }
    }

    /**
     * @return a {@link Junction} status, or {@link #FAULTED}.
     */
    int genomeRequest(final long correlationId, final boolean lock)
    {
        if (lock)
        {
            txLock.lock();
        }
        try
        {
            final int index = transport.claim(ClientProxy.genomeRequestLength());
            if (index < 0)
            {
                return index;
            }
            try
            {
                proxy.genomeRequest(transport.claimedBuffer(), index, correlationId);
            }
            catch (final Throwable ex)
            {
                // Never leave a claim uncommitted: the instance would close the junction as stuck.
                transport.abort(index);
                throw ex;
            }
            transport.commit(index);
            return Junction.OK;
        }
        catch (final InternalError ex)
        {
            return FAULTED;
        }
        finally
        {
            if (lock)
            {
                txLock.unlock();
            }
        }
    }

    /**
     * Say goodbye, when the instance is still there to hear it; caller holds the transmit lock.
     */
    void goodbye()
    {
        if (!transport.peerClosed())
        {
            final ExpandableArrayBuffer bye = new ExpandableArrayBuffer(64);
            try
            {
                transport.send(bye, 0, proxy.goodbye(bye, 0, "client closed"));
            }
            catch (final InternalError ex)
            {
                // Truncated under the mapping: nobody to say goodbye to through it.
            }
        }
    }
}
