package dev.cell.runtime.transport.junction;

import dev.cell.ring.FrameHandler;
import dev.cell.ring.Junction;
import dev.cell.runtime.transport.FrameListener;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The instance's end of one junction: reads the client's frames into a private copy, sends frames (keeping one that
 * does not fit until the ring drains), and judges the client's liveness from the junction header.
 * <p>
 * <b>Note:</b> not thread safe: used by the serving thread only.
 *
 * @since 0.1
 */
public final class ServerJunction
{
    /**
     * Ring record type of every frame.
     */
    public static final int RECORD_TYPE_ID = 1;

    private final Junction junction;
    private final String name;
    private final ExpandableDirectByteBuffer privateFrame;
    private final FrameHandler handler = this::onRecord;
    private FrameListener listener;
    private ExpandableArrayBuffer pending;
    private int pendingLength;
    private long clientBeat;
    private long clientBeatSeenNs;

    ServerJunction(
        final Junction junction, final String name, final ExpandableDirectByteBuffer privateFrame, final long nowNs)
    {
        this.junction = junction;
        this.name = name;
        this.privateFrame = privateFrame;
        this.clientBeat = junction.peerHeartbeatEpochMs();
        this.clientBeatSeenNs = nowNs;
    }

    /**
     * @return the junction file's name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return the longest frame it carries.
     */
    public int maxMessageLength()
    {
        return junction.maxMessageLength();
    }

    /**
     * Read up to {@code limit} frames, each copied out of the ring first (a peer that keeps writing to the shared
     * mapping cannot change bytes between their check and their use).
     *
     * @param listener takes each frame.
     * @param limit    most frames to read.
     * @return frames read, or {@link Junction#CORRUPT}.
     */
    public int read(final FrameListener listener, final int limit)
    {
        this.listener = listener;
        try
        {
            return junction.read(handler, limit);
        }
        finally
        {
            this.listener = null;
        }
    }

    private boolean onRecord(final int msgTypeId, final DirectBuffer ring, final int index, final int length)
    {
        if (length <= 0 || length > junction.maxMessageLength())
        {
            return listener.onBadRecord("frame of " + length + " bytes");
        }
        if (msgTypeId != RECORD_TYPE_ID)
        {
            return listener.onBadRecord("frame of type " + msgTypeId + " and " + length + " bytes is not a Cell frame");
        }
        privateFrame.checkLimit(length);
        ring.getBytes(index, privateFrame, 0, length);
        return listener.onFrame(privateFrame, 0, length);
    }

    /**
     * @return why the ring is corrupt.
     */
    public String corruption()
    {
        return junction.corruption();
    }

    /**
     * @return true when a frame waits to be read.
     */
    public boolean hasInbound()
    {
        return junction.hasInbound();
    }

    /**
     * @return true when the client closed its side.
     */
    public boolean peerClosed()
    {
        return junction.peerClosed();
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
     * Claim space for a frame of {@code length} bytes, to be written at {@link #claimedBuffer()} and
     * {@link #commit}ted (or {@link #abort}ed).
     *
     * @param length the frame's length.
     * @return where to write it, or a negative {@link Junction} status.
     */
    public int claim(final int length)
    {
        return junction.claim(RECORD_TYPE_ID, length);
    }

    /**
     * @return the buffer claimed space lies in.
     */
    public MutableDirectBuffer claimedBuffer()
    {
        return junction.outboundBuffer();
    }

    /**
     * @param index what {@link #claim} returned.
     */
    public void commit(final int index)
    {
        junction.commit(index);
    }

    /**
     * @param index what {@link #claim} returned.
     */
    public void abort(final int index)
    {
        junction.abort(index);
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
