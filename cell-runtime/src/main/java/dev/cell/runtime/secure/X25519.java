package dev.cell.runtime.secure;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import javax.crypto.KeyAgreement;

/**
 * X25519 on raw 32-byte keys, with the JDK's own implementation: a key pair from a private scalar (random, or given
 * by a test vector), and Diffie-Hellman.
 *
 * @param privateKey the 32-byte private scalar.
 * @param publicKey  the 32-byte public key (little-endian u coordinate).
 * @since 0.1
 */
public record X25519(byte[] privateKey, byte[] publicKey)
{
    /**
     * Key and output length.
     */
    public static final int KEY_BYTES = 32;

    /**
     * @param random where the private scalar comes from.
     * @return a new key pair.
     */
    public static X25519 generate(final SecureRandom random)
    {
        final byte[] scalar = new byte[KEY_BYTES];
        random.nextBytes(scalar);
        return fromPrivate(scalar);
    }

    /**
     * @param scalar a 32-byte private scalar.
     * @return its key pair.
     */
    public static X25519 fromPrivate(final byte[] scalar)
    {
        if (scalar.length != KEY_BYTES)
        {
            throw new IllegalArgumentException("an X25519 private key has 32 bytes, not " + scalar.length);
        }
        try
        {
            // The JDK derives a public key only while generating: hand it the scalar as its "random" bytes.
            final KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            g.initialize(NamedParameterSpec.X25519, new FixedBytes(scalar));
            final XECPublicKey pub = (XECPublicKey)g.generateKeyPair().getPublic();
            return new X25519(scalar.clone(), littleEndian(pub.getU()));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("X25519 is not available", ex);
        }
    }

    /**
     * @param remotePublic the other side's 32-byte public key.
     * @return the 32-byte shared secret.
     * @throws GeneralSecurityException when the remote key is not a valid point (the JDK refuses an all-zero result).
     */
    public byte[] dh(final byte[] remotePublic) throws GeneralSecurityException
    {
        if (remotePublic.length != KEY_BYTES)
        {
            throw new GeneralSecurityException("an X25519 public key has 32 bytes, not " + remotePublic.length);
        }
        final KeyFactory kf = KeyFactory.getInstance("X25519");
        final KeyAgreement ka = KeyAgreement.getInstance("X25519");
        ka.init(kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, privateKey)));
        final byte[] u = remotePublic.clone();
        u[KEY_BYTES - 1] &= 0x7f; // RFC 7748: the top bit of the u coordinate is ignored
        ka.doPhase(kf.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, bigInteger(u))), true);
        return ka.generateSecret();
    }

    private static byte[] littleEndian(final BigInteger u)
    {
        final byte[] be = u.toByteArray();
        final byte[] le = new byte[KEY_BYTES];
        for (int i = 0; i < KEY_BYTES && i < be.length; i++)
        {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    private static BigInteger bigInteger(final byte[] le)
    {
        final byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++)
        {
            be[i] = le[le.length - 1 - i];
        }
        return new BigInteger(1, be);
    }

    private static final class FixedBytes extends SecureRandom
    {
        private static final long serialVersionUID = 1L;
        private final byte[] bytes;

        FixedBytes(final byte[] bytes)
        {
            this.bytes = bytes;
        }

        @Override
        public void nextBytes(final byte[] into)
        {
            if (into.length != bytes.length)
            {
                throw new IllegalStateException("asked for " + into.length + " bytes, have " + bytes.length);
            }
            System.arraycopy(bytes, 0, into, 0, into.length);
        }
    }
}
