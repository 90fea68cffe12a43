package dev.cell.runtime.secure;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Noise {@code CipherState}: a 32-byte key and a 64-bit counter nonce, for the {@link Suite}'s AEAD from the JDK
 * (ChaCha20-Poly1305 or AES-256-GCM). Each message uses the next nonce; a message that does not
 * authenticate (tampered, replayed, reordered: its nonce is not the expected one) throws, and the caller closes the
 * connection. Not thread safe.
 *
 * @since 0.1
 */
public final class NoiseCipher
{
    /**
     * Bytes the authentication tag adds to each message.
     */
    public static final int TAG_BYTES = 16;

    /**
     * The AEAD of a Noise protocol name.
     */
    public enum Suite
    {
        /** {@code ChaChaPoly}: ChaCha20-Poly1305, nonce = 4 zero bytes, the counter little-endian. */
        CHACHA_POLY("ChaChaPoly", "ChaCha20-Poly1305", "ChaCha20", false),
        /**
         * {@code AESGCM}: AES-256-GCM, nonce = 4 zero bytes, the counter big-endian. The JDK runs it on the CPU's AES
         * and carry-less multiply instructions: about half the time of its ChaCha20-Poly1305 for a small message.
         */
        AES_GCM("AESGCM", "AES/GCM/NoPadding", "AES", true);

        final String noiseName;
        private final String transformation;
        private final String keyAlgorithm;
        private final boolean gcm;

        Suite(final String noiseName, final String transformation, final String keyAlgorithm, final boolean gcm)
        {
            this.noiseName = noiseName;
            this.transformation = transformation;
            this.keyAlgorithm = keyAlgorithm;
            this.gcm = gcm;
        }
    }

    private final Suite suite;
    private final SecretKeySpec key;
    private final Cipher cipher;
    private final byte[] nonce = new byte[12];
    private long n;

    NoiseCipher(final Suite suite, final byte[] key)
    {
        this.suite = suite;
        this.key = new SecretKeySpec(key, suite.keyAlgorithm);
        try
        {
            this.cipher = Cipher.getInstance(suite.transformation);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException(suite.transformation + " is not available", ex);
        }
    }

    /**
     * @param ad        associated data (authenticated, not encrypted).
     * @param plaintext the message.
     * @return ciphertext and tag.
     */
    public byte[] encrypt(final byte[] ad, final byte[] plaintext)
    {
        try
        {
            init(Cipher.ENCRYPT_MODE);
            cipher.updateAAD(ad);
            return cipher.doFinal(plaintext);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("encryption failed", ex);
        }
    }

    /**
     * @param ad         associated data.
     * @param ciphertext ciphertext and tag.
     * @return the plaintext.
     * @throws NoiseException when it does not authenticate under this key and the next nonce (the nonce is then not
     *                        used up: the connection must be closed anyway).
     */
    public byte[] decrypt(final byte[] ad, final byte[] ciphertext) throws NoiseException
    {
        if (ciphertext.length < TAG_BYTES)
        {
            throw new NoiseException("message of " + ciphertext.length + " bytes is shorter than its tag");
        }
        try
        {
            init(Cipher.DECRYPT_MODE);
            cipher.updateAAD(ad);
            final byte[] plain = cipher.doFinal(ciphertext);
            return plain;
        }
        catch (final GeneralSecurityException ex)
        {
            n--; // not used up by a message that failed
            throw new NoiseException("message " + n + " does not authenticate (tampered, replayed or out of order)");
        }
    }

    /**
     * Encrypt {@code in}'s remaining bytes into {@code out} (ciphertext then tag), without allocating output arrays.
     *
     * @param ad  associated data.
     * @param in  the plaintext (position to limit); consumed.
     * @param out receives {@code in.remaining() + TAG_BYTES} bytes.
     * @return bytes written.
     */
    public int encrypt(final byte[] ad, final ByteBuffer in, final ByteBuffer out)
    {
        try
        {
            init(Cipher.ENCRYPT_MODE);
            cipher.updateAAD(ad);
            return cipher.doFinal(in, out);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("encryption failed", ex);
        }
    }

    /**
     * Decrypt {@code in}'s remaining bytes (ciphertext then tag) into {@code out}.
     *
     * @param ad  associated data.
     * @param in  ciphertext and tag; consumed.
     * @param out receives the plaintext.
     * @return bytes of plaintext.
     * @throws NoiseException when it does not authenticate (tampered, replayed, reordered).
     */
    public int decrypt(final byte[] ad, final ByteBuffer in, final ByteBuffer out) throws NoiseException
    {
        if (in.remaining() < TAG_BYTES)
        {
            throw new NoiseException("message of " + in.remaining() + " bytes is shorter than its tag");
        }
        try
        {
            init(Cipher.DECRYPT_MODE);
            cipher.updateAAD(ad);
            return cipher.doFinal(in, out);
        }
        catch (final GeneralSecurityException ex)
        {
            n--; // not used up by a message that failed
            throw new NoiseException("message " + n + " does not authenticate (tampered, replayed or out of order)");
        }
    }

    /**
     * @return the nonce the next message uses.
     */
    public long nonce()
    {
        return n;
    }

    private void init(final int mode) throws GeneralSecurityException
    {
        if (n == -1L)
        {
            throw new GeneralSecurityException("nonces exhausted: rekey");
        }
        final long v = n++;
        for (int i = 0; i < 8; i++)
        {
            nonce[suite.gcm ? 11 - i : 4 + i] = (byte)(v >>> (8 * i));
        }
        cipher.init(mode, key, suite.gcm ? new GCMParameterSpec(TAG_BYTES * 8, nonce) : new IvParameterSpec(nonce));
    }
}
