package dev.cell.runtime.transport.axon;

import dev.cell.runtime.secure.NoiseCipher;
import dev.cell.runtime.secure.NoiseException;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteBuffer;

/**
 * One direction of an axon session's DATA messages: seals frames under the next nonce (or, in plaintext mode, only
 * frames them) and opens them. Buffers grow to the largest message seen and views of the buffers read are kept, so
 * nothing is allocated but what the JDK's cipher needs per message (its nonce's {@code IvParameterSpec} and what
 * {@code Cipher.init} makes).
 * <p>
 * <b>Note:</b> not thread safe.
 */
final class AxonSeal
{
    private final NoiseCipher cipher;
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(4096);
    private ByteBuffer outView;
    private ByteBuffer inView;
    private byte[] inArray;
    private ByteBuffer directSource;
    private ByteBuffer directView;

    /**
     * @param cipher the direction's cipher, null for plaintext.
     */
    AxonSeal(final NoiseCipher cipher)
    {
        this.cipher = cipher;
    }

    /**
     * @return the buffer {@link #seal} and {@link #open} write into.
     */
    ExpandableArrayBuffer buffer()
    {
        return out;
    }

    /**
     * @return bytes a DATA message adds to a frame.
     */
    int overhead()
    {
        return 1 + (cipher == null ? 0 : NoiseCipher.TAG_BYTES);
    }

    /**
     * Seal {@code frame} into {@link #buffer()} from 0 as a DATA message.
     *
     * @return the message's length.
     */
    int seal(final DirectBuffer frame, final int offset, final int length)
    {
        final int total = length + overhead();
        out.checkLimit(total);
        out.putByte(0, AxonWire.DATA);
        if (cipher == null)
        {
            out.putBytes(1, frame, offset, length);
            return total;
        }
        final ByteBuffer src = input(frame, offset, length);
        final ByteBuffer dst = outView(1, total - 1);
        return 1 + cipher.encrypt(AxonWire.DATA_AD, src, dst);
    }

    /**
     * Open a DATA message into {@link #buffer()} from 0.
     *
     * @return the frame's length.
     * @throws NoiseException when it does not authenticate.
     */
    int open(final DirectBuffer message, final int offset, final int length) throws NoiseException
    {
        final int body = length - 1;
        if (cipher == null)
        {
            out.checkLimit(Math.max(1, body));
            out.putBytes(0, message, offset + 1, body);
            return body;
        }
        if (body < NoiseCipher.TAG_BYTES)
        {
            throw new NoiseException("DATA message of " + length + " bytes is shorter than its tag");
        }
        out.checkLimit(body);
        return cipher.decrypt(AxonWire.DATA_AD, input(message, offset + 1, body), outView(0, body));
    }

    private ByteBuffer outView(final int offset, final int length)
    {
        if (outView == null || outView.array() != out.byteArray())
        {
            outView = ByteBuffer.wrap(out.byteArray());
        }
        outView.limit(offset + length).position(offset);
        return outView;
    }

    private ByteBuffer input(final DirectBuffer src, final int offset, final int length)
    {
        final byte[] array = src.byteArray();
        if (array != null && src.wrapAdjustment() == 0)
        {
            if (inView == null || inArray != array)
            {
                inArray = array;
                inView = ByteBuffer.wrap(array);
            }
            inView.limit(offset + length).position(offset);
            return inView;
        }
        final ByteBuffer direct = src.byteBuffer();
        if (direct != null)
        {
            if (directSource != direct)
            {
                directSource = direct; // an image's term buffer: one view of it for as long as it is read
                directView = direct.duplicate();
            }
            final int at = (int)src.wrapAdjustment() + offset;
            directView.limit(at + length).position(at);
            return directView;
        }
        final byte[] copy = new byte[length];
        src.getBytes(offset, copy);
        return ByteBuffer.wrap(copy);
    }
}
