package dev.cell.runtime.client;

import dev.cell.runtime.CellException;
import dev.cell.runtime.session.ClientAdapter;
import dev.cell.runtime.session.ClientListener;
import dev.cell.runtime.transport.ClientEnd;
import dev.cell.runtime.transport.FrameListener;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.RejectCode;
import org.agrona.DirectBuffer;

import java.util.function.Consumer;

/**
 * Where a connection's inbound frames go: the transport hands each frame (a private copy) here, the
 * {@link ClientAdapter} checks and decodes it, and this routes what it says to the one outstanding blocking call or to
 * an async call's future ({@link PendingCalls}). Anything that ends the session closes the connection.
 * <p>
 * <b>Note:</b> frames are taken by whoever holds the connection's receive lock (or its unlocked owner); the blocking
 * call's state is published through volatile fields.
 */
final class Replies implements FrameListener, ClientListener
{
    static final int WAITING = 0;
    static final int GOT_REPLY = 1;
    static final int GOT_FAILURE = 2;
    static final int GOT_GENOME = 3;

    private final String cell;
    private final String instanceId;
    private final ClientEnd transport;
    private final PendingCalls pending;
    private final Consumer<CellException> closer;
    private final ClientAdapter adapter = new ClientAdapter(this);

    private volatile long syncCorrelationId;
    private volatile int syncState;
    private volatile Thread receiver;
    private Reply syncReply;
    private FailureCode syncFailureCode;
    private String syncFailureDetail;
    private String syncGenomeJson;

    Replies(
        final String cell,
        final String instanceId,
        final ClientEnd transport,
        final PendingCalls pending,
        final Consumer<CellException> closer)
    {
        this.cell = cell;
        this.instanceId = instanceId;
        this.transport = transport;
        this.pending = pending;
        this.closer = closer;
    }

    /**
     * @param thread the receiver thread: a blocking caller it completes is woken through the doorbell.
     */
    void receiver(final Thread thread)
    {
        this.receiver = thread;
    }

    /**
     * Start waiting for the blocking call {@code correlationId}.
     *
     * @param into where its reply goes; null for a genome request.
     */
    void begin(final long correlationId, final Reply into)
    {
        syncReply = into;
        syncState = WAITING;
        syncCorrelationId = correlationId;
    }

    /**
     * The blocking call is over.
     */
    void end()
    {
        syncCorrelationId = 0;
        syncReply = null;
        syncGenomeJson = null;
    }

    int state()
    {
        return syncState;
    }

    boolean waiting()
    {
        return syncState == WAITING;
    }

    CellException failure()
    {
        return ClientFailures.failure(cell, syncFailureCode, syncFailureDetail);
    }

    String genomeJson()
    {
        return syncGenomeJson;
    }

    /**
     * A frame that fails the check closes the connection: every outstanding call fails with {@code Rejected}
     * ("instance X sent a malformed frame: …"), since nothing else the instance sends can be trusted either.
     */
    @Override
    public boolean onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            return adapter.onFrame(buffer, offset, length);
        }
        catch (final RuntimeException ex)
        {
            // Checked, so not a length read from the wire; still the instance's doing: close, never throw to callers.
            return onMalformed("it cannot be read (" + ex + ")");
        }
    }

    @Override
    public boolean onBadRecord(final String problem)
    {
        return onMalformed(problem);
    }

    @Override
    public boolean onMalformed(final String problem)
    {
        closer.accept(new CellException.Rejected(cell, ClientFailures.malformed(instanceId, problem)));
        transport.markClosed();
        return false;
    }

    @Override
    public boolean onResponse(
        final long correlationId, final boolean appError, final DirectBuffer buffer, final int offset, final int length)
    {
        if (correlationId == syncCorrelationId && syncReply != null)
        {
            syncReply.set(buffer, offset, length, appError);
            completeSync(GOT_REPLY);
        }
        else
        {
            pending.reply(correlationId, new Reply().set(buffer, offset, length, appError));
        }
        return true;
    }

    @Override
    public boolean onFailure(final long correlationId, final FailureCode code, final String detail)
    {
        if (correlationId == 0)
        {
            closer.accept(ClientFailures.failure(cell, code, "instance " + instanceId + " closed the junction: " +
                detail));
        }
        else if (correlationId == syncCorrelationId)
        {
            syncFailureCode = code;
            syncFailureDetail = detail;
            completeSync(GOT_FAILURE);
        }
        else
        {
            pending.fail(correlationId, ClientFailures.failure(cell, code, detail));
        }
        return true;
    }

    @Override
    public boolean onGenome(final long correlationId, final String genomeJson)
    {
        if (correlationId == syncCorrelationId)
        {
            syncGenomeJson = genomeJson;
            completeSync(GOT_GENOME);
        }
        return true;
    }

    @Override
    public boolean onGoodbye(final String reason)
    {
        closer.accept(new CellException.Unavailable(cell, "instance " + instanceId + " said goodbye: " + reason));
        return true;
    }

    @Override
    public boolean onWelcome(final long serverPid, final long fingerprint, final String instanceId)
    {
        return true;
    }

    @Override
    public boolean onReject(final RejectCode code, final long fingerprint, final String reason)
    {
        return true;
    }

    private void completeSync(final int state)
    {
        syncState = state;
        if (Thread.currentThread() == receiver)
        {
            transport.localDoorbell().ring();
        }
    }
}
