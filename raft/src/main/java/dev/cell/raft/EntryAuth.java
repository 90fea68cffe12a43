package dev.cell.raft;

import dev.cell.ledger.PrivateFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates command entries with the group's secret key, whatever the Raft transport: the replica that
 * receives a command appends an HMAC-SHA256 over the entry's session, sequence and request frame (the bytes the
 * leader does not rewrite); the leader's {@code startTransaction} refuses an entry whose tag does not verify, and
 * every replica verifies again before applying, so an entry that reached a log some other way (an impostor posing
 * as leader) is a recorded refusal on every replica, never a change of state. The key (32 random bytes) is created
 * at the group's first start in {@code .cell/replicas/group.secret}, 0600 in a 0700 folder: another local user
 * cannot read it, so with the group id and port in hand it still cannot get a command applied.
 * <p>
 * One instance per thread ({@link Mac} is not thread safe); signing and verifying allocate nothing.
 */
final class EntryAuth
{
    static final int TAG_LENGTH = 32;
    static final String FILE = "group.secret";
    private static final int KEY_LENGTH = 32;
    private static final int SIGNED_FROM = 13; // after kind (1), leader time (8) and session window (4)

    private final Mac mac;
    private final byte[] tag = new byte[TAG_LENGTH];

    private EntryAuth(final byte[] key)
    {
        try
        {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is not available: " + ex, ex);
        }
    }

    /**
     * @param cellDir the stateful cell's folder.
     * @return the group's key, created at the first call (under the group lock).
     */
    static byte[] loadOrCreateKey(final Path cellDir) throws IOException
    {
        final Path dir = GroupConfig.replicasDir(cellDir);
        PrivateFiles.createDirectories(dir);
        try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
        {
            final Path file = dir.resolve(FILE);
            if (Files.isRegularFile(file))
            {
                final byte[] key = Files.readAllBytes(file);
                if (key.length != KEY_LENGTH)
                {
                    throw new IOException(file + " holds " + key.length + " bytes, not a " + KEY_LENGTH +
                        "-byte group key; restore it from another replica's folder");
                }
                return key;
            }
            final byte[] key = new byte[KEY_LENGTH];
            new SecureRandom().nextBytes(key);
            PrivateFiles.writeAtomically(file, key, true);
            return key;
        }
    }

    /**
     * @param key the group's key.
     * @return a signer/verifier for one thread.
     */
    static EntryAuth of(final byte[] key)
    {
        return new EntryAuth(key);
    }

    /**
     * Write the tag into the last {@link #TAG_LENGTH} bytes of {@code entry}.
     *
     * @param entry header, request frame, room for the tag.
     */
    void sign(final byte[] entry)
    {
        final int signed = entry.length - TAG_LENGTH;
        mac.update(entry, SIGNED_FROM, signed - SIGNED_FROM);
        try
        {
            mac.doFinal(entry, signed);
        }
        catch (final javax.crypto.ShortBufferException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * @param entry  holds the entry.
     * @param start  where it starts.
     * @param length its length, tag included.
     * @return true when its tag was made with the group's key.
     */
    boolean verify(final ByteBuffer entry, final int start, final int length)
    {
        if (length < SIGNED_FROM + TAG_LENGTH)
        {
            return false;
        }
        final int signedEnd = start + length - TAG_LENGTH;
        final int position = entry.position();
        final int limit = entry.limit();
        entry.limit(signedEnd).position(start + SIGNED_FROM);
        mac.update(entry);
        entry.limit(limit).position(position);
        try
        {
            mac.doFinal(tag, 0);
        }
        catch (final javax.crypto.ShortBufferException ex)
        {
            throw new IllegalStateException(ex);
        }
        int difference = 0;
        for (int i = 0; i < TAG_LENGTH; i++)
        {
            difference |= tag[i] ^ entry.get(signedEnd + i);
        }
        return difference == 0;
    }
}
