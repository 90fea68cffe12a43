package dev.cell.runtime.session;

import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.RequestEncoder;
import dev.cell.sbe.codecs.ResponseEncoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;

import java.nio.ByteOrder;

/**
 * Constants and checks of Cell's junction protocol ({@code cell-protocol.xml}) shared by the instance and the
 * client: the session layer's constants. Runtime internals: public only so every layer can use them.
 *
 * @since 0.1
 */
public final class Protocol
{
    /**
     * Ring record type of every frame.
     */
    public static final int FRAME_TYPE_ID = 1;

    /**
     * Version carried in Hello; an instance refuses another one with BAD_HELLO.
     */
    public static final int PROTOCOL_VERSION = 2;

    /**
     * Schema id of Cell's own protocol.
     */
    public static final int SCHEMA_ID = MessageHeaderDecoder.SCHEMA_ID;

    /**
     * Length of an SBE message header.
     */
    public static final int HEADER_LENGTH = MessageHeaderDecoder.ENCODED_LENGTH;

    /**
     * Bytes before the cell's own message in a request frame.
     */
    public static final int REQUEST_PREFIX_LENGTH = HEADER_LENGTH + RequestEncoder.BLOCK_LENGTH;

    /**
     * Bytes before the reply message in a response frame.
     */
    public static final int RESPONSE_PREFIX_LENGTH = HEADER_LENGTH + ResponseEncoder.BLOCK_LENGTH;

    /**
     * Longest detail text in a Failure or Reject.
     */
    public static final int MAX_DETAIL_LENGTH = 2_000;

    private static final EpochNanoClock CLOCK = new OffsetEpochNanoClock();

    private Protocol()
    {
    }

    /**
     * @return now in epoch nanoseconds (allocation free; same host clock as the peer).
     */
    public static long epochNanos()
    {
        return CLOCK.nanoTime();
    }

    /**
     * Check that {@code count} var-length fields (uint32 length + bytes) starting at {@code position} lie within
     * {@code end}.
     *
     * @param buffer   the frame's buffer.
     * @param position where the first length field is.
     * @param end      end of the frame (exclusive).
     * @param count    how many var-length fields.
     * @return true when they all fit.
     */
    public static boolean varFieldsFit(final DirectBuffer buffer, final int position, final int end, final int count)
    {
        long pos = position;
        for (int i = 0; i < count; i++)
        {
            if (pos + 4 > end)
            {
                return false;
            }
            final long length = buffer.getInt((int)pos, ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL;
            pos += 4 + length;
            if (pos > end)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Shorten a detail text to what a frame may carry.
     *
     * @param text a text (null becomes empty).
     * @return it, cut to {@link #MAX_DETAIL_LENGTH} characters.
     */
    public static String detail(final String text)
    {
        if (text == null)
        {
            return "";
        }
        return text.length() <= MAX_DETAIL_LENGTH ? text : text.substring(0, MAX_DETAIL_LENGTH - 3) + "...";
    }
}
