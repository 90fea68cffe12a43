package dev.cell.ledger;

import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The file work of {@link Ledger#restore}: building a snapshot's state aside, checking it, and repairing a restore a
 * crash interrupted (see {@link Ledger}'s class comment for the protocol).
 */
final class StateSwap
{
    private StateSwap()
    {
    }

    /**
     * Finish or undo a restore that a crash interrupted: {@code state.old} without {@code state} means the crash fell
     * between the two renames (the complete {@code state.new} is moved in); {@code state.new} beside a live state
     * means the swap never started (the old state stays, the new one is discarded).
     */
    static void recover(final Path dir, final Path stateDir) throws IOException
    {
        final Path aside = dir.resolve(Ledger.STATE_NEW);
        final Path old = dir.resolve(Ledger.STATE_OLD);
        final boolean live = Files.isDirectory(stateDir);
        if (Files.isDirectory(old))
        {
            if (!live)
            {
                PrivateFiles.renameDurably(Files.isDirectory(aside) ? aside : old, stateDir);
            }
            deleteTree(old);
        }
        if (Files.isDirectory(aside))
        {
            deleteTree(aside);
        }
        PrivateFiles.fsyncDirectory(dir);
    }

    /**
     * Fill {@code aside} (created 0700, emptied first) with the RocksDB files of a snapshot's {@code state/}: SST files
     * hard-linked (they are immutable), the rest copied, Ratis' {@code .md5} files left out.
     */
    static void link(final Path from, final Path aside) throws IOException
    {
        deleteTree(aside);
        Files.createDirectory(aside, PrivateFiles.dirAttributes());
        try (var files = Files.list(from))
        {
            for (final Path f : (Iterable<Path>)files::iterator)
            {
                final String name = f.getFileName().toString();
                if (name.endsWith(".md5") || !Files.isRegularFile(f))
                {
                    continue; // Ratis' digests of installed files; RocksDB has no use for them
                }
                final Path to = aside.resolve(name);
                if (name.endsWith(".sst"))
                {
                    try
                    {
                        Files.createLink(to, f); // SST files are immutable: share them with the snapshot
                        continue;
                    }
                    catch (final IOException | UnsupportedOperationException ex)
                    {
                        // Another file system: copy it instead.
                    }
                }
                Files.copy(f, to);
            }
        }
    }

    /**
     * Open the state built aside once: its applied index and state hash must be the snapshot's; write the journal
     * floor into it (synced).
     */
    static void verify(final Path aside, final SnapshotInfo info, final long floor, final byte[] metaCf,
        final byte[] appliedKey, final byte[] floorKey)
    {
        final List<ColumnFamilyHandle> asideHandles = new ArrayList<>();
        try (DBOptions options = new DBOptions().setCreateIfMissing(false).setCreateMissingColumnFamilies(true);
             WriteOptions sync = new WriteOptions().setSync(true))
        {
            final RocksDB asideDb = RocksDB.open(options, aside.toString(), List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                new ColumnFamilyDescriptor(metaCf)), asideHandles);
            try
            {
                final byte[] applied = asideDb.get(asideHandles.get(1), appliedKey);
                final long index = applied == null ? 0 : ByteBuffer.wrap(applied).getLong();
                if (index != info.index())
                {
                    throw new IllegalStateException("snapshot " + info.dir() + " says index " + info.index() +
                        " but its state holds " + index + ": the snapshot is damaged; delete it");
                }
                final String hash = stateHash(asideDb, asideHandles.get(0));
                if (info.stateHash() != null && !info.stateHash().equals(hash))
                {
                    throw new IllegalStateException("snapshot " + info.dir() + " says state hash " +
                        info.stateHash() + " but its state hashes to " + hash + ": the snapshot is damaged");
                }
                asideDb.put(asideHandles.get(1), sync, floorKey, ByteBuffer.allocate(8).putLong(floor).array());
            }
            finally
            {
                for (final ColumnFamilyHandle h : asideHandles)
                {
                    h.close();
                }
                asideDb.close();
            }
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("cannot open the restored state in " + aside + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * SHA-256 over every key and value of one column family, in key order.
     */
    static String stateHash(final RocksDB db, final ColumnFamilyHandle cf)
    {
        final MessageDigest digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
        final ByteBuffer len = ByteBuffer.allocate(4);
        try (RocksIterator it = db.newIterator(cf))
        {
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                final byte[] k = it.key();
                final byte[] v = it.value();
                digest.update(len.clear().putInt(k.length).array());
                digest.update(k);
                digest.update(len.clear().putInt(v.length).array());
                digest.update(v);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static void deleteQuietly(final Path root)
    {
        try
        {
            deleteTree(root);
        }
        catch (final IOException ignore)
        {
            // Deleted at the next open (recoverSwap) or the next restore.
        }
    }

    static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
            {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path d, final IOException exc) throws IOException
            {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
