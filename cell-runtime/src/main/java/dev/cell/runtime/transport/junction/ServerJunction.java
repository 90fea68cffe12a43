package dev.cell.runtime.transport.junction;

import dev.cell.ring.Junction;
import dev.cell.runtime.transport.ServerEnd;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;

/**
 * The instance's end of one junction: reads the client's frames into a private copy, sends frames (keeping one that
 * does not fit until the ring drains), and judges the client's liveness from the junction header.
 * <p>
 * <b>Note:</b> not thread safe: used by the serving thread only.
 *
 * @since 0.1
 */
public final class ServerJunction extends JunctionEnd implements ServerEnd
{
    private final Junction junction;
    private final String name;
    private ExpandableArrayBuffer pending;
    private int pendingLength;
    private long clientBeat;
    private long clientBeatSeenNs;

    ServerJunction(
        final Junction junction, final String name, final ExpandableDirectByteBuffer privateFrame, final long nowNs)
    {
        super(privateFrame);
        this.junction = junction;
        this.name = name;
        this.clientBeat = junction.peerHeartbeatEpochMs();
        this.clientBeatSeenNs = nowNs;
    }

    @Override
    Junction junction()
    {
        return junction;
    }

    /**
     * @return the junction file's name.
     */
    @Override
    public String name()
    {
        return name;
    }

    @Override
    public String remoteIdentity()
    {
        return null; // a process of this host: the run folder's permissions are its authentication
    }

    /**
     * Send a frame; when the ring is full keep a copy to {@link #flushPending()} later.
     *
     * @param buffer holds the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@link Junction#OK}, {@link Junction#BACK_PRESSURED} (kept pending), {@link Junction#CLOSED} or
     * {@link Junction#TOO_LARGE}.
     */
    public int send(final DirectBuffer buffer, final int offset, final int length)
    {
        final int status = junction.send(RECORD_TYPE_ID, buffer, offset, length);
        if (status == Junction.BACK_PRESSURED)
        {
            keepPending(buffer, offset, length);
        }
        return status;
    }

    /**
     * Send, ignoring the outcome (a farewell).
     *
     * @param buffer holds the frame.
     * @param offset where it starts.
     * @param length its length.
     */
    public void sendOnce(final DirectBuffer buffer, final int offset, final int length)
    {
        junction.send(RECORD_TYPE_ID, buffer, offset, length);
    }

    /**
     * @return true while a frame waits for ring space.
     */
    public boolean hasPending()
    {
        return pendingLength > 0;
    }

    private void keepPending(final DirectBuffer src, final int offset, final int length)
    {
        if (pending == null)
        {
            pending = new ExpandableArrayBuffer(Math.max(256, length));
        }
        pending.putBytes(0, src, offset, length);
        pendingLength = length;
    }

    /**
     * @return the junction status of the retry; anything but {@link Junction#BACK_PRESSURED} clears it.
     */
    public int flushPending()
    {
        final int status = junction.send(RECORD_TYPE_ID, pending, 0, pendingLength);
        if (status != Junction.BACK_PRESSURED)
        {
            pendingLength = 0;
        }
        return status;
    }

    /**
     * Beat on the junction and judge the client: null while it is fine, else why the junction is to be reclaimed.
     * The file's size is checked before anything touches the mapping (a truncated file faults past its end).
     *
     * @param nowMs           epoch clock.
     * @param nowNs           monotonic clock.
     * @param claimTimeoutNs  longest a claimed frame may stay uncommitted.
     * @param clientTimeoutNs longest the client's heartbeat may stand still.
     * @return null, or the reason.
     */
    public String reclaimReason(
        final long nowMs, final long nowNs, final long claimTimeoutNs, final long clientTimeoutNs)
    {
        try
        {
            return judge(nowMs, nowNs, claimTimeoutNs, clientTimeoutNs);
        }
        catch (final InternalError ex)
        {
            // Truncated between the size check and an access: the fault is reported here, not by the duty cycle.
            return "junction file shrank";
        }
    }

    private String judge(final long nowMs, final long nowNs, final long claimTimeoutNs, final long clientTimeoutNs)
    {
        if (!junction.fileIntact())
        {
            return "junction file shrank";
        }
        junction.heartbeat(nowMs);
        if (!junction.peerAlive())
        {
            return "client process is gone";
        }
        final long stalledNs = junction.inboundStalledNs(nowNs);
        if (stalledNs >= claimTimeoutNs)
        {
            return "claim never committed (" + stalledNs / 1_000_000L + " ms)";
        }
        final long beat = junction.peerHeartbeatEpochMs();
        if (beat != clientBeat)
        {
            clientBeat = beat;
            clientBeatSeenNs = nowNs;
        }
        else if (nowNs - clientBeatSeenNs >= clientTimeoutNs)
        {
            return "client hung";
        }
        return null;
    }

    /**
     * Close the junction and delete its file.
     */
    public void closeAndDelete()
    {
        junction.closeAndDelete();
    }
}
