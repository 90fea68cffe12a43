package dev.cell.runtime.identity;

import dev.cell.ring.PrivateFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * An Ed25519 identity (a host's or a cell's <i>antigen</i>): a key pair kept in one owner-only file, created on first
 * use, and its public form {@code ed25519:<base64url of the 32-byte key>} that others pin and allow.
 * <p>
 * The file holds the PKCS#8 private key and the X.509 public key, each base64 on its own line; it is created with
 * mode 0600 in a 0700 folder ({@link PrivateFiles}). Signing uses the JDK's own Ed25519 (no library).
 *
 * @since 0.1
 */
public final class Identity
{
    /**
     * Prefix of a public identity's text form.
     */
    public static final String PREFIX = "ed25519:";

    private static final int RAW_KEY_BYTES = 32;
    // X.509 SubjectPublicKeyInfo of an Ed25519 key: this 12-byte header, then the raw 32-byte key.
    private static final byte[] X509_HEADER = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private Identity(final PrivateKey privateKey, final PublicKey publicKey)
    {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * @param cellHome a cell home.
     * @return the host's identity: {@code $CELL_HOME/identity/host.key}, created on first use.
     */
    public static Identity host(final Path cellHome)
    {
        return loadOrCreate(cellHome.resolve("identity").resolve("host.key"));
    }

    /**
     * @param file an identity file.
     * @return the identity in it, created (0600) when the file does not exist.
     * @throws UncheckedIOException when it cannot be read or written.
     * @throws IllegalArgumentException when the file is not an identity.
     */
    public static synchronized Identity loadOrCreate(final Path file)
    {
        try
        {
            if (!Files.exists(file))
            {
                final KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                final Base64.Encoder b64 = Base64.getEncoder();
                PrivateFiles.createDirectories(file.getParent());
                final Path tmp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
                PrivateFiles.write(tmp, b64.encodeToString(pair.getPrivate().getEncoded()) + "\n" +
                    b64.encodeToString(pair.getPublic().getEncoded()) + "\n");
                try
                {
                    Files.move(tmp, file); // never replaces: a process that created it first wins
                }
                catch (final java.nio.file.FileAlreadyExistsException ex)
                {
                    Files.deleteIfExists(tmp);
                }
            }
            final String[] lines = Files.readString(file, StandardCharsets.US_ASCII).strip().split("\n");
            if (lines.length != 2)
            {
                throw new IllegalArgumentException(file + " is not a Cell identity file (two base64 lines)");
            }
            final KeyFactory keys = KeyFactory.getInstance("Ed25519");
            final Base64.Decoder b64 = Base64.getDecoder();
            return new Identity(keys.generatePrivate(new PKCS8EncodedKeySpec(b64.decode(lines[0].strip()))),
                keys.generatePublic(new X509EncodedKeySpec(b64.decode(lines[1].strip()))));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read or create the identity " + file, ex);
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + " is not a valid Ed25519 identity: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return the public identity: {@code ed25519:<base64url, no padding, of the raw key>}.
     */
    public String publicId()
    {
        return publicId(publicKey);
    }

    /**
     * @param message bytes to sign.
     * @return the 64-byte Ed25519 signature.
     */
    public byte[] sign(final byte[] message)
    {
        try
        {
            final Signature s = Signature.getInstance("Ed25519");
            s.initSign(privateKey);
            s.update(message);
            return s.sign();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("Ed25519 signing failed", ex);
        }
    }

    /**
     * @param publicId  a public identity ({@link #publicId()}).
     * @param message   the signed bytes.
     * @param signature the signature.
     * @return whether the signature is that identity's over the message; false for any malformed input.
     */
    public static boolean verify(final String publicId, final byte[] message, final byte[] signature)
    {
        final PublicKey key = parse(publicId);
        if (key == null || signature == null || signature.length != 64)
        {
            return false;
        }
        try
        {
            final Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message);
            return s.verify(signature);
        }
        catch (final GeneralSecurityException ex)
        {
            return false;
        }
    }

    /**
     * @param publicId text that may be a public identity.
     * @return whether it is one (the prefix and 32 key bytes).
     */
    public static boolean isPublicId(final String publicId)
    {
        return parse(publicId) != null;
    }

    private static PublicKey parse(final String publicId)
    {
        if (publicId == null || !publicId.startsWith(PREFIX) || publicId.length() > PREFIX.length() + 64)
        {
            return null;
        }
        try
        {
            final byte[] raw = Base64.getUrlDecoder().decode(publicId.substring(PREFIX.length()));
            if (raw.length != RAW_KEY_BYTES)
            {
                return null;
            }
            final byte[] der = Arrays.copyOf(X509_HEADER, X509_HEADER.length + RAW_KEY_BYTES);
            System.arraycopy(raw, 0, der, X509_HEADER.length, RAW_KEY_BYTES);
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        }
        catch (final IllegalArgumentException | GeneralSecurityException ex)
        {
            return null;
        }
    }

    private static String publicId(final PublicKey key)
    {
        final byte[] der = key.getEncoded();
        final byte[] raw = Arrays.copyOfRange(der, der.length - RAW_KEY_BYTES, der.length);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }
}
