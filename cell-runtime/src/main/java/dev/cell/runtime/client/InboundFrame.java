package dev.cell.runtime.client;

import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.service.Protocol;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * One frame the instance sent, taken out of the shared ring before anything reads it: copied into this reader's own
 * buffer (the instance can still write the mapping, so bytes read twice from it could differ between their check and
 * their use), then checked against Cell's protocol schema ({@link FrameCheck#protocol()}): every length, count and
 * enum of the protocol message within the frame and its schema, before any decoder reads it.
 * <p>
 * A frame of an unknown template of the protocol's schema is {@link #IGNORED} (nothing of it is read); anything else
 * that fails is {@link #MALFORMED}, with {@link #problem()} saying what (the connection then closes). The buffer
 * grows to the largest frame seen, at most the junction's message limit; afterwards taking a frame allocates nothing.
 * <p>
 * <b>Note:</b> not thread safe: one per reading thread (a connection's receive lock, a handshake's own thread).
 */
final class InboundFrame
{
    static final int ACCEPTED = 0;
    static final int IGNORED = 1;
    static final int MALFORMED = 2;

    private static final int INITIAL_CAPACITY = 4096;

    private final FrameCheck check = FrameCheck.protocol();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ExpandableArrayBuffer copy = new ExpandableArrayBuffer(INITIAL_CAPACITY);
    private final int maxLength;
    private int length;
    private String problem;

    /**
     * @param maxLength the longest frame the ring may hold (the junction's message limit).
     */
    InboundFrame(final int maxLength)
    {
        this.maxLength = maxLength;
    }

    /**
     * Copy and check one frame.
     *
     * @param msgTypeId the ring record's type id.
     * @param ring      the ring's buffer.
     * @param index     where the frame starts.
     * @param length    its length.
     * @return {@link #ACCEPTED}: {@link #buffer()} holds it, its header is read; {@link #IGNORED}; or
     * {@link #MALFORMED}.
     */
    int take(final int msgTypeId, final DirectBuffer ring, final int index, final int length)
    {
        problem = null;
        this.length = 0;
        if (msgTypeId != Protocol.FRAME_TYPE_ID || length < 0 || length > maxLength)
        {
            problem = "ring record of type " + msgTypeId + " and " + length + " bytes is not a Cell frame";
            return MALFORMED;
        }
        copy.checkLimit(length);
        ring.getBytes(index, copy, 0, length);
        this.length = length;
        if (check.check(copy, 0, length))
        {
            header.wrap(copy, 0);
            return ACCEPTED;
        }
        if (check.messageName() == null && check.templateId() >= 0 && length >= Protocol.HEADER_LENGTH &&
            header.wrap(copy, 0).schemaId() == Protocol.SCHEMA_ID)
        {
            // A message of a later protocol version this client does not know: nothing of it is read.
            return IGNORED;
        }
        problem = check.problem();
        return MALFORMED;
    }

    /**
     * @return the private copy of the last frame, at offset 0.
     */
    DirectBuffer buffer()
    {
        return copy;
    }

    /**
     * @return the last frame's length.
     */
    int length()
    {
        return length;
    }

    /**
     * @return the accepted frame's template id.
     */
    int templateId()
    {
        return header.templateId();
    }

    /**
     * @return the accepted frame's block length.
     */
    int blockLength()
    {
        return header.blockLength();
    }

    /**
     * @return the accepted frame's acting version.
     */
    int version()
    {
        return header.version();
    }

    /**
     * @return where the accepted frame's protocol message ends: for a Response, where the reply message starts.
     */
    int end()
    {
        return check.end();
    }

    /**
     * @return what was wrong with the last {@link #MALFORMED} frame.
     */
    String problem()
    {
        return problem;
    }
}
