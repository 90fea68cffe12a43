package dev.cell.runtime.secure;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Noise {@code XX} handshake, {@code Noise_XX_25519_AESGCM_SHA256} or {@code Noise_XX_25519_ChaChaPoly_SHA256}
 * (Noise revision 34): three messages
 * <pre>
 *   -&gt; e
 *   &lt;- e, ee, s, es
 *   -&gt; s, se
 * </pre>
 * after which both sides know each other's static X25519 key and hold two {@link NoiseCipher}s, one per direction.
 * Each message may carry a payload (encrypted from the second message on); the axon's payloads carry the Ed25519
 * identity and its signature over the Noise static key. Checked against the cacophony test vectors. A message that
 * is refused ends the handshake: every later call throws, and the connection is to be closed. Not thread safe; one
 * instance per handshake.
 *
 * @since 0.1
 */
public final class NoiseXX
{

    private static final int HASH_BYTES = 32;

    private final boolean initiator;
    private final NoiseCipher.Suite suite;
    private final X25519 s;
    private final Supplier<X25519> ephemerals;
    private X25519 e;
    private byte[] rs;
    private byte[] re;
    private byte[] ck;
    private byte[] h;
    private NoiseCipher cipher;
    private int message;
    private NoiseCipher send;
    private NoiseCipher receive;
    private boolean failed;

    /**
     * @param suite      the AEAD (the protocol name, hashed into every handshake, names it).
     * @param initiator  true for the side that sends the first message.
     * @param prologue   bytes both sides must agree on (a version, the service), hashed in.
     * @param staticKey  this side's static key pair.
     * @param ephemerals where ephemeral key pairs come from (random; fixed in tests).
     */
    public NoiseXX(final NoiseCipher.Suite suite, final boolean initiator, final byte[] prologue,
        final X25519 staticKey, final Supplier<X25519> ephemerals)
    {
        this.suite = suite;
        this.initiator = initiator;
        this.s = staticKey;
        this.ephemerals = ephemerals;
        final byte[] name = protocolName(suite).getBytes(StandardCharsets.US_ASCII);
        h = name.length <= HASH_BYTES ? Arrays.copyOf(name, HASH_BYTES) : sha256(name); // padded with zeros, per Noise
        ck = h.clone();
        mixHash(prologue);
    }

    /**
     * @param suite an AEAD.
     * @return the protocol name, e.g. {@code Noise_XX_25519_AESGCM_SHA256}.
     */
    public static String protocolName(final NoiseCipher.Suite suite)
    {
        return "Noise_XX_25519_" + suite.noiseName + "_SHA256";
    }

    /**
     * Write the next handshake message (this side's turn).
     *
     * @param payload what it carries.
     * @return the message.
     * @throws NoiseException when it is not this side's turn.
     */
    public byte[] write(final byte[] payload) throws NoiseException
    {
        turn(true);
        failed = true; // until this message is complete: a handshake that threw is dead
        final Bytes out = new Bytes();
        try
        {
            switch (message)
            {
                case 0 ->
                {
                    e = ephemerals.get();
                    out.add(e.publicKey());
                    mixHash(e.publicKey());
                }
                case 1 ->
                {
                    e = ephemerals.get();
                    out.add(e.publicKey());
                    mixHash(e.publicKey());
                    mixKey(e.dh(re));
                    out.add(encryptAndHash(s.publicKey()));
                    mixKey(s.dh(re));
                }
                default ->
                {
                    out.add(encryptAndHash(s.publicKey()));
                    mixKey(s.dh(re));
                }
            }
        }
        catch (final GeneralSecurityException ex)
        {
            throw new NoiseException("handshake message " + (message + 1) + ": " + ex.getMessage());
        }
        out.add(encryptAndHash(payload));
        advance();
        failed = false;
        return out.toArray();
    }

    /**
     * Read the other side's next handshake message.
     *
     * @param msg the message.
     * @return the payload it carried.
     * @throws NoiseException when it is malformed, does not authenticate, or it is not the other side's turn.
     */
    public byte[] read(final byte[] msg) throws NoiseException
    {
        turn(false);
        failed = true; // until this message is complete: a handshake that threw is dead
        int at = 0;
        try
        {
            switch (message)
            {
                case 0 ->
                {
                    re = slice(msg, at, X25519.KEY_BYTES);
                    at += X25519.KEY_BYTES;
                    mixHash(re);
                }
                case 1 ->
                {
                    re = slice(msg, at, X25519.KEY_BYTES);
                    at += X25519.KEY_BYTES;
                    mixHash(re);
                    mixKey(e.dh(re));
                    final int len = X25519.KEY_BYTES + NoiseCipher.TAG_BYTES;
                    rs = decryptAndHash(slice(msg, at, len));
                    at += len;
                    mixKey(e.dh(rs));
                }
                default ->
                {
                    final int len = X25519.KEY_BYTES + NoiseCipher.TAG_BYTES;
                    rs = decryptAndHash(slice(msg, at, len));
                    at += len;
                    mixKey(e.dh(rs));
                }
            }
        }
        catch (final GeneralSecurityException ex)
        {
            throw new NoiseException("handshake message " + (message + 1) + ": " + ex.getMessage());
        }
        final byte[] payload = decryptAndHash(Arrays.copyOfRange(msg, at, msg.length));
        advance();
        failed = false;
        return payload;
    }

    /**
     * @return how many handshake messages have passed (0 to 3).
     */
    public int messages()
    {
        return message;
    }

    /**
     * @return whether all three messages have passed.
     */
    public boolean done()
    {
        return message == 3;
    }

    /**
     * @return the cipher for what this side sends, once {@link #done()}.
     */
    public NoiseCipher sender()
    {
        return split(send);
    }

    /**
     * @return the cipher for what this side receives, once {@link #done()}.
     */
    public NoiseCipher receiver()
    {
        return split(receive);
    }

    /**
     * @return the other side's static X25519 public key (after the message that carries it).
     */
    public byte[] remoteStatic()
    {
        return rs == null ? null : rs.clone();
    }

    /**
     * @return the handshake hash: a value both sides share, unique to this handshake (channel binding).
     */
    public byte[] handshakeHash()
    {
        return h.clone();
    }

    private NoiseCipher split(final NoiseCipher c)
    {
        if (!done())
        {
            throw new IllegalStateException("the handshake is not finished");
        }
        return c;
    }

    private void turn(final boolean writing) throws NoiseException
    {
        if (failed)
        {
            throw new NoiseException("the handshake failed: close the connection");
        }
        if (done())
        {
            throw new NoiseException("the handshake is finished");
        }
        final boolean mine = (message % 2 == 0) == initiator;
        if (mine != writing)
        {
            throw new NoiseException("handshake message " + (message + 1) + " is the other side's to " +
                (writing ? "write" : "read"));
        }
    }

    private void advance()
    {
        message++;
        if (message == 3)
        {
            final byte[][] k = hkdf(ck, new byte[0]);
            final NoiseCipher c1 = new NoiseCipher(suite, k[0]);
            final NoiseCipher c2 = new NoiseCipher(suite, k[1]);
            send = initiator ? c1 : c2;
            receive = initiator ? c2 : c1;
            Arrays.fill(ck, (byte)0);
            cipher = null;
        }
    }

    private void mixHash(final byte[] data)
    {
        h = sha256(h, data);
    }

    private void mixKey(final byte[] ikm)
    {
        final byte[][] k = hkdf(ck, ikm);
        ck = k[0];
        cipher = new NoiseCipher(suite, k[1]);
    }

    private byte[] encryptAndHash(final byte[] plaintext)
    {
        final byte[] c = cipher == null ? plaintext.clone() : cipher.encrypt(h, plaintext);
        mixHash(c);
        return c;
    }

    private byte[] decryptAndHash(final byte[] ciphertext) throws NoiseException
    {
        final byte[] p = cipher == null ? ciphertext.clone() : cipher.decrypt(h, ciphertext);
        mixHash(ciphertext);
        return p;
    }

    private static byte[] slice(final byte[] msg, final int at, final int len) throws NoiseException
    {
        if (msg.length < at + len)
        {
            throw new NoiseException("handshake message of " + msg.length + " bytes is too short");
        }
        return Arrays.copyOfRange(msg, at, at + len);
    }

    private static byte[][] hkdf(final byte[] chainingKey, final byte[] ikm)
    {
        final byte[] temp = hmac(chainingKey, ikm);
        final byte[] out1 = hmac(temp, new byte[] {1});
        final byte[] in2 = Arrays.copyOf(out1, out1.length + 1);
        in2[out1.length] = 2;
        return new byte[][] {out1, hmac(temp, in2)};
    }

    private static byte[] hmac(final byte[] key, final byte[] data)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        }
        catch (final NoSuchAlgorithmException | InvalidKeyException ex)
        {
            throw new IllegalStateException("HMAC-SHA256 is not available", ex);
        }
    }

    private static byte[] sha256(final byte[]... parts)
    {
        try
        {
            final MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (final byte[] p : parts)
            {
                d.update(p);
            }
            return d.digest();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    private static final class Bytes
    {
        private byte[] buf = new byte[128];
        private int len;

        void add(final byte[] b)
        {
            if (len + b.length > buf.length)
            {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + b.length));
            }
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        byte[] toArray()
        {
            return Arrays.copyOf(buf, len);
        }
    }
}
