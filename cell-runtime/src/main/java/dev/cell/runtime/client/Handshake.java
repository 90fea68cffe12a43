package dev.cell.runtime.client;

import dev.cell.runtime.session.ClientAdapter;
import dev.cell.runtime.session.ClientListener;
import dev.cell.runtime.transport.FrameListener;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.RejectCode;
import org.agrona.DirectBuffer;

/**
 * Reads the instance's answer to a Hello: a Welcome or a Reject, each checked and decoded by a {@link ClientAdapter}.
 * A malformed frame ends the handshake in {@link #MALFORMED}.
 * <p>
 * <b>Note:</b> not thread safe: used by the connecting thread only.
 */
final class Handshake implements FrameListener, ClientListener
{
    static final int WAITING = 0;
    static final int WELCOMED = 1;
    static final int REJECTED = 2;
    static final int MALFORMED = 3;

    private final ClientAdapter adapter = new ClientAdapter(this);
    int state = WAITING;
    long fingerprint;
    long serverPid;
    String instanceId;
    RejectCode rejectCode;
    String reason;

    @Override
    public boolean onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        return adapter.onFrame(buffer, offset, length);
    }

    @Override
    public boolean onBadRecord(final String problem)
    {
        return onMalformed(problem);
    }

    @Override
    public boolean onMalformed(final String problem)
    {
        reason = problem;
        state = MALFORMED;
        return false;
    }

    @Override
    public boolean onWelcome(final long serverPid, final long fingerprint, final String instanceId)
    {
        this.serverPid = serverPid;
        this.fingerprint = fingerprint;
        this.instanceId = instanceId;
        state = WELCOMED;
        return false;
    }

    @Override
    public boolean onReject(final RejectCode code, final long fingerprint, final String reason)
    {
        this.rejectCode = code;
        this.fingerprint = fingerprint;
        this.reason = reason;
        state = REJECTED;
        return false;
    }

    @Override
    public boolean onFailure(final long correlationId, final FailureCode code, final String detail)
    {
        rejectCode = RejectCode.BAD_HELLO;
        reason = "instance answered the Hello with a Failure";
        state = REJECTED;
        return false;
    }

    @Override
    public boolean onResponse(
        final long correlationId, final boolean appError, final DirectBuffer buffer, final int offset, final int length)
    {
        return true;
    }

    @Override
    public boolean onGenome(final long correlationId, final String genomeJson)
    {
        return true;
    }

    @Override
    public boolean onGoodbye(final String reason)
    {
        return true;
    }
}
