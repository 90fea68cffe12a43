package dev.cell.runtime.service;

import dev.cell.ring.Junction;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * The instance's state of one junction. Used by the agent thread only.
 */
final class ServerConnection
{
    final Junction junction;
    final String name;
    final long attachedEpochMs;
    boolean welcomed;
    boolean closing;
    String closeReason;
    long clientPid;
    String clientName = "";
    long lastHeartbeatEpochMs;
    /**
     * The client's heartbeat in the junction header as last seen, and when (nanoTime) it last moved.
     */
    long clientBeat;
    long clientBeatSeenNs;
    private ExpandableArrayBuffer pending;
    private int pendingLength;

    ServerConnection(final Junction junction, final String name, final long nowEpochMs)
    {
        this.junction = junction;
        this.name = name;
        this.attachedEpochMs = nowEpochMs;
        this.lastHeartbeatEpochMs = nowEpochMs;
    }

    boolean hasPending()
    {
        return pendingLength > 0;
    }

    void keepPending(final DirectBuffer src, final int offset, final int length)
    {
        if (pending == null)
        {
            pending = new ExpandableArrayBuffer(Math.max(256, length));
        }
        pending.putBytes(0, src, offset, length);
        pendingLength = length;
    }

    /**
     * @return the junction status of the retry; {@link Junction#OK} clears the pending reply.
     */
    int flushPending()
    {
        final int status = junction.send(Protocol.FRAME_TYPE_ID, pending, 0, pendingLength);
        if (status != Junction.BACK_PRESSURED)
        {
            pendingLength = 0;
        }
        return status;
    }

    void close(final String reason)
    {
        if (!closing)
        {
            closing = true;
            closeReason = reason;
        }
    }
}
