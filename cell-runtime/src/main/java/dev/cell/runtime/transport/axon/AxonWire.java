package dev.cell.runtime.transport.axon;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The axon's own messages, one per Aeron message, first byte the type. The handshake is Noise XX
 * ({@code dev.cell.runtime.secure}); everything after it is {@link #DATA}: one Cell frame, encrypted and
 * authenticated under the next nonce of its direction (implicit: Aeron delivers a stream in order and without loss, so
 * a frame replayed, reordered or dropped by anyone fails to authenticate).
 * <pre>
 * HELLO  type u8 | version u8 | flags u8 | 0 u8 | reply length u16 | reply endpoint (ASCII) | Noise message 1
 * ACCEPT type u8 | Noise message 2 (the instance's identity)
 * FINISH type u8 | Noise message 3 (the caller's identity)
 * REFUSE type u8 | reason length u16 | reason (UTF-8)        plaintext, unauthenticated: the session then ends
 * DATA   type u8 | ciphertext and tag (plaintext mode: the frame itself)
 * </pre>
 *
 * @since 0.2
 */
public final class AxonWire
{
    /**
     * Stream id of requests (towards the instance) and of replies.
     */
    public static final int STREAM_ID = 0xCE11;

    static final byte HELLO = 1;
    static final byte ACCEPT = 2;
    static final byte FINISH = 3;
    static final byte REFUSE = 4;
    static final byte DATA = 5;

    static final int VERSION = 2; // 2: the Noise AEAD is AES-256-GCM (1 was ChaCha20-Poly1305)
    static final int FLAG_PLAINTEXT = 1;
    static final int HELLO_HEADER = 6;
    static final int MAX_REPLY_LENGTH = 128;
    static final int MAX_REASON_LENGTH = 1_000;
    static final int MAX_HANDSHAKE_LENGTH = 1_024;

    /**
     * Prologue both sides mix into the Noise handshake: a session of another protocol or version cannot be spliced.
     */
    static final byte[] PROLOGUE = "cell axon 2".getBytes(StandardCharsets.US_ASCII);

    /**
     * Associated data of every DATA message.
     */
    static final byte[] DATA_AD = {DATA};

    private AxonWire()
    {
    }

    static int putHello(final MutableDirectBuffer out, final boolean plaintext, final String reply, final byte[] msg1)
    {
        final byte[] replyBytes = reply.getBytes(StandardCharsets.US_ASCII);
        out.putByte(0, HELLO);
        out.putByte(1, (byte)VERSION);
        out.putByte(2, (byte)(plaintext ? FLAG_PLAINTEXT : 0));
        out.putByte(3, (byte)0);
        out.putShort(4, (short)replyBytes.length, ByteOrder.LITTLE_ENDIAN);
        out.putBytes(HELLO_HEADER, replyBytes);
        out.putBytes(HELLO_HEADER + replyBytes.length, msg1);
        return HELLO_HEADER + replyBytes.length + msg1.length;
    }

    static int putRefuse(final MutableDirectBuffer out, final String reason)
    {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        if (text.length > MAX_REASON_LENGTH)
        {
            text = java.util.Arrays.copyOf(text, MAX_REASON_LENGTH);
        }
        out.putByte(0, REFUSE);
        out.putShort(1, (short)text.length, ByteOrder.LITTLE_ENDIAN);
        out.putBytes(3, text);
        return 3 + text.length;
    }

    static String readRefuse(final DirectBuffer in, final int offset, final int length)
    {
        if (length < 3)
        {
            return "refused (no reason given)";
        }
        final int n = in.getShort(offset + 1, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (n > MAX_REASON_LENGTH || 3 + n > length)
        {
            return "refused (reason of " + n + " bytes does not fit its message)";
        }
        final byte[] text = new byte[n];
        in.getBytes(offset + 3, text);
        return new String(text, StandardCharsets.UTF_8);
    }

    /**
     * @param reply an endpoint text from the wire.
     * @return true when it is {@code host:port}: plain ASCII host characters, a port of 1 to 65535.
     */
    static boolean validReply(final String reply)
    {
        if (reply.isEmpty() || reply.length() > MAX_REPLY_LENGTH)
        {
            return false;
        }
        for (int i = 0; i < reply.length(); i++)
        {
            final char c = reply.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' ||
                c == '-' || c == '[' || c == ']'))
            {
                return false;
            }
        }
        final int colon = reply.lastIndexOf(':');
        final int digits = reply.length() - colon - 1;
        if (colon <= 0 || digits < 1 || digits > 5)
        {
            return false;
        }
        int port = 0;
        for (int i = colon + 1; i < reply.length(); i++)
        {
            final char c = reply.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port >= 1 && port <= 65_535;
    }

    static String hostOf(final String endpoint)
    {
        final int colon = endpoint.lastIndexOf(':');
        String host = colon > 0 ? endpoint.substring(0, colon) : endpoint;
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        return host;
    }

    static String channel(final String endpoint)
    {
        return "aeron:udp?endpoint=" + endpoint + "|term-length=" + AxonMedia.TERM_LENGTH;
    }
}
