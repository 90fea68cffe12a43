package dev.cell.runtime.client;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * A reply copied out of the junction: the cell's SBE message (header first) that answered a call.
 * Reusable: a caller that keeps one per thread allocates nothing per call.
 * <p>
 * <b>Note:</b> not thread safe; valid until it is passed to the next call.
 *
 * @since 0.1
 */
public final class Reply
{
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
    private int length;
    private boolean error;

    /**
     * Fill this reply; used by the runtime.
     *
     * @param src     where the reply message is.
     * @param offset  where its header starts.
     * @param length  header plus message.
     * @param isError true when it is one of the handler's declared errors.
     * @return this for a fluent API.
     */
    public Reply set(final DirectBuffer src, final int offset, final int length, final boolean isError)
    {
        buffer.putBytes(0, src, offset, length);
        this.length = length;
        this.error = isError;
        return this;
    }

    /**
     * @return the buffer holding the message at offset 0.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return header plus message length.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return true when the message is one of the handler's declared errors, false when it is its result.
     */
    public boolean isError()
    {
        return error;
    }

    /**
     * @return the SBE template id from the message header (little endian, at offset 2).
     */
    public int templateId()
    {
        return buffer.getShort(2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }
}
