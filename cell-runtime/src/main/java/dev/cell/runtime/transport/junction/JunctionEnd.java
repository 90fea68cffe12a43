package dev.cell.runtime.transport.junction;

import dev.cell.ring.FrameHandler;
import dev.cell.ring.Junction;
import dev.cell.runtime.transport.FrameListener;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * What both ends of a junction do alike: read frames, each copied out of the shared ring into a private buffer
 * before the listener sees it (a peer that keeps writing to the mapping cannot change bytes between their check and
 * their use; the copy grows to the largest frame seen, then reading allocates nothing), and claim ring space for a
 * frame written in place. Not thread safe.
 *
 * @since 0.1
 */
public abstract class JunctionEnd
{
    /**
     * Ring record type of every frame.
     */
    public static final int RECORD_TYPE_ID = 1;

    private final MutableDirectBuffer copy;
    private final FrameHandler handler = this::onRecord;
    private FrameListener listener;

    /**
     * @param copy where each frame is copied to before it is looked at (an expandable buffer).
     */
    JunctionEnd(final MutableDirectBuffer copy)
    {
        this.copy = copy;
    }

    /**
     * @return the junction; null before a client created its own.
     */
    abstract Junction junction();

    /**
     * Read up to {@code limit} frames, each copied out of the ring first.
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
            return junction().read(handler, limit);
        }
        finally
        {
            this.listener = null;
        }
    }

    private boolean onRecord(final int msgTypeId, final DirectBuffer ring, final int index, final int length)
    {
        if (length <= 0 || length > junction().maxMessageLength())
        {
            return listener.onBadRecord("frame of " + length + " bytes");
        }
        if (msgTypeId != RECORD_TYPE_ID)
        {
            return listener.onBadRecord("frame of type " + msgTypeId + " and " + length + " bytes is not a Cell frame");
        }
        copy.checkLimit(length);
        ring.getBytes(index, copy, 0, length);
        return listener.onFrame(copy, 0, length);
    }

    /**
     * @return why the inbound ring is corrupt.
     */
    public String corruption()
    {
        return junction().corruption();
    }

    /**
     * @return true when a frame waits to be read.
     */
    public boolean hasInbound()
    {
        return junction().hasInbound();
    }

    /**
     * @return true when the peer closed its side.
     */
    public boolean peerClosed()
    {
        return junction().peerClosed();
    }

    /**
     * @return the longest frame the junction carries.
     */
    public int maxMessageLength()
    {
        return junction().maxMessageLength();
    }

    /**
     * Claim space for a frame, to be written at {@link #claimedBuffer()} then {@link #commit}ted or
     * {@link #abort}ed: a claim left open would make the peer close the junction as stuck.
     *
     * @param length the frame's length.
     * @return where to write, or a negative {@link Junction} status.
     */
    public int claim(final int length)
    {
        return junction().claim(RECORD_TYPE_ID, length);
    }

    /**
     * @return the buffer claimed space lies in.
     */
    public MutableDirectBuffer claimedBuffer()
    {
        return junction().outboundBuffer();
    }

    /**
     * @param index what {@link #claim} returned.
     */
    public void commit(final int index)
    {
        junction().commit(index);
    }

    /**
     * @param index what {@link #claim} returned.
     */
    public void abort(final int index)
    {
        junction().abort(index);
    }
}
