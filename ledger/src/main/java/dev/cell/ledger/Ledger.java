package dev.cell.ledger;

import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One replica's durable state in one folder: {@code journal/} (Chronicle Queue of applied commands) and
 * {@code state/} (RocksDB: the cell's {@link State} plus a meta column family holding the applied index).
 * <p>
 * Applying a command: {@link #begin(long, long)} (false when that index was applied already: replays after a restart
 * skip), the cell's handler writes through {@link #state()}, then {@link #commit(ByteBuffer)} appends the command to
 * the journal and commits the handler's writes and the applied index in one atomic RocksDB batch. The journal is
 * written first: after a crash between the two, the replay re-applies the state change and the journal skips the
 * index it already holds. Nothing on this path logs.
 * <p>
 * Snapshots are RocksDB checkpoints (hard links, cheap) plus the journal position; {@link #restore(Path)} replaces
 * the live state with a snapshot's.
 *
 * @since 0.1
 */
public final class Ledger implements AutoCloseable
{
    private static final byte[] APPLIED_KEY = "cell.applied".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] META_CF = "cell.meta".getBytes(StandardCharsets.US_ASCII);

    static
    {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final Path stateDir;
    private final Journal journal;
    private final WriteOptions writeOptions = new WriteOptions().setSync(false);
    private final ReadOptions readOptions = new ReadOptions();
    private final ByteBuffer appliedValue = ByteBuffer.allocate(16);
    private final StateView stateView = new StateView();

    private RocksDB db;
    private DBOptions dbOptions;
    private ColumnFamilyHandle dataCf;
    private ColumnFamilyHandle metaCf;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private WriteBatchWithIndex batch = new WriteBatchWithIndex(true);

    private volatile Thread applying;
    private long pendingIndex;
    private long pendingTerm;
    private volatile long appliedIndex;
    private volatile long appliedTerm;

    private Ledger(final Path dir) throws IOException
    {
        this.dir = dir;
        this.stateDir = dir.resolve("state");
        Files.createDirectories(stateDir);
        this.journal = Journal.open(dir.resolve("journal"));
        openDb();
    }

    /**
     * Open (or create) the ledger in {@code dir}.
     *
     * @param dir the replica's ledger folder.
     * @return the open ledger.
     * @throws UncheckedIOException when the folder cannot be used (the message names it).
     */
    public static Ledger open(final Path dir)
    {
        try
        {
            return new Ledger(dir.toAbsolutePath().normalize());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open the ledger in " + dir, ex);
        }
    }

    private void openDb()
    {
        try
        {
            dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
            final List<ColumnFamilyDescriptor> descriptors = List.of(
                new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY),
                new ColumnFamilyDescriptor(META_CF));
            handles.clear();
            db = RocksDB.open(dbOptions, stateDir.toString(), descriptors, handles);
            dataCf = handles.get(0);
            metaCf = handles.get(1);
            final byte[] applied = db.get(metaCf, APPLIED_KEY);
            if (applied != null)
            {
                final ByteBuffer b = ByteBuffer.wrap(applied);
                appliedIndex = b.getLong();
                appliedTerm = b.getLong();
            }
            else
            {
                appliedIndex = 0;
                appliedTerm = 0;
            }
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("cannot open RocksDB in " + stateDir + ": " + ex.getMessage() +
                " (is another replica process using this folder?)", ex);
        }
    }

    private void closeDb()
    {
        for (final ColumnFamilyHandle h : handles)
        {
            h.close();
        }
        handles.clear();
        db.close();
        dbOptions.close();
    }

    /**
     * @return the ledger's folder.
     */
    public Path dir()
    {
        return dir;
    }

    /**
     * @return the journal of applied commands.
     */
    public Journal journal()
    {
        return journal;
    }

    /**
     * @return the state handlers read and write.
     */
    public State state()
    {
        return stateView;
    }

    /**
     * @return the last applied log index (0 when nothing was applied).
     */
    public long appliedIndex()
    {
        return appliedIndex;
    }

    /**
     * @return the term of the last applied entry.
     */
    public long appliedTerm()
    {
        return appliedTerm;
    }

    /**
     * Start applying the entry at {@code index}. Call on the apply thread only.
     *
     * @param index the entry's log index.
     * @param term  its term.
     * @return false when that index is applied already (skip the entry: do not run its handler, do not commit).
     */
    public boolean begin(final long index, final long term)
    {
        if (index <= appliedIndex)
        {
            return false;
        }
        pendingIndex = index;
        pendingTerm = term;
        applying = Thread.currentThread();
        return true;
    }

    /**
     * Read a meta value (the raft layer's bookkeeping, kept apart from the cell's state; sees the pending batch).
     *
     * @param key the key.
     * @return the value or null.
     */
    public byte[] getMeta(final byte[] key)
    {
        try
        {
            if (applying == Thread.currentThread())
            {
                return batch.getFromBatchAndDB(db, metaCf, readOptions, key);
            }
            return db.get(metaCf, key);
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("RocksDB read failed in " + stateDir + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Write a meta value within the command being applied.
     *
     * @param key   the key.
     * @param value the value.
     */
    public void putMeta(final byte[] key, final byte[] value)
    {
        checkApplying();
        try
        {
            batch.put(metaCf, key, value);
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("RocksDB batch put failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * Delete a meta value within the command being applied.
     *
     * @param key the key.
     */
    public void deleteMeta(final byte[] key)
    {
        checkApplying();
        try
        {
            batch.delete(metaCf, key);
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("RocksDB batch delete failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * Finish applying: append the command to the journal, commit its writes and the applied index atomically.
     *
     * @param command the command's bytes for the journal (position to limit; not moved).
     */
    public void commit(final ByteBuffer command)
    {
        checkApplying();
        journal.append(pendingIndex, pendingTerm, command);
        try
        {
            appliedValue.clear();
            appliedValue.putLong(pendingIndex).putLong(pendingTerm);
            batch.put(metaCf, APPLIED_KEY, appliedValue.array());
            db.write(writeOptions, batch);
            batch.clear();
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("RocksDB commit of index " + pendingIndex + " failed in " + stateDir +
                ": " + ex.getMessage(), ex);
        }
        appliedTerm = pendingTerm;
        appliedIndex = pendingIndex;
        applying = null;
    }

    /**
     * Abandon the pending command's writes (its handler failed before writing anything it should keep); the index
     * still counts as applied and the command still goes to the journal, so every replica stays identical.
     *
     * @param command the command's bytes for the journal.
     */
    public void commitWithoutWrites(final ByteBuffer command)
    {
        checkApplying();
        batch.clear();
        commit(command);
    }

    /**
     * Drop the writes the pending command made so far (its handler failed); it stays pending, and what is written
     * after (the replication layer's bookkeeping) is committed with it by {@link #commit(ByteBuffer)}.
     */
    public void discardWrites()
    {
        checkApplying();
        batch.clear();
    }

    private void checkApplying()
    {
        if (applying != Thread.currentThread())
        {
            throw new IllegalStateException("state is written only while a command is applied (on the apply " +
                "thread); queries must not write");
        }
    }

    /**
     * Take a snapshot into {@code target} (which must not exist): a RocksDB checkpoint of the committed state and the
     * journal position. Call between commands.
     *
     * @param target the snapshot's folder.
     * @return its description.
     */
    public SnapshotInfo snapshot(final Path target)
    {
        try
        {
            Files.createDirectories(target.getParent());
            final Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            deleteTree(tmp);
            Files.createDirectories(tmp);
            try (Checkpoint checkpoint = Checkpoint.create(db))
            {
                checkpoint.createCheckpoint(tmp.resolve(SnapshotInfo.STATE).toString());
            }
            final SnapshotInfo info = new SnapshotInfo(tmp, appliedIndex, appliedTerm, journal.lastIndex(),
                stateHash());
            info.write();
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new SnapshotInfo(target, info.index(), info.term(), info.journalIndex(), info.stateHash());
        }
        catch (final RocksDBException ex)
        {
            throw new IllegalStateException("checkpoint into " + target + " failed: " + ex.getMessage(), ex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("snapshot into " + target + " failed", ex);
        }
    }

    /**
     * Replace the live state with a snapshot's. The journal stays as it is: entries after the snapshot's index that
     * it already holds are skipped when they are applied again.
     *
     * @param snapshotDir a folder written by {@link #snapshot(Path)}.
     * @return the snapshot's description.
     */
    public SnapshotInfo restore(final Path snapshotDir)
    {
        final SnapshotInfo info = SnapshotInfo.read(snapshotDir);
        batch.clear();
        closeDb();
        try
        {
            deleteTree(stateDir);
            copyTree(snapshotDir.resolve(SnapshotInfo.STATE), stateDir);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot restore " + stateDir + " from " + snapshotDir, ex);
        }
        openDb();
        if (appliedIndex != info.index())
        {
            throw new IllegalStateException("snapshot " + snapshotDir + " says index " + info.index() +
                " but its state holds " + appliedIndex + ": the snapshot is damaged; delete it");
        }
        return info;
    }

    /**
     * SHA-256 over every key and value of the cell's state, in key order (the meta column family is left out).
     *
     * @return 64 hex digits.
     */
    public String stateHash()
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
        try (RocksIterator it = db.newIterator(dataCf))
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

    @Override
    public void close()
    {
        batch.close();
        closeDb();
        readOptions.close();
        writeOptions.close();
        journal.close();
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

    private static void copyTree(final Path from, final Path to) throws IOException
    {
        Files.createDirectories(to);
        try (var files = Files.list(from))
        {
            for (final Path f : (Iterable<Path>)files::iterator)
            {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private final class StateView implements State
    {
        @Override
        public long index()
        {
            return applying == Thread.currentThread() ? pendingIndex : appliedIndex;
        }

        @Override
        public byte[] get(final byte[] key)
        {
            try
            {
                if (applying == Thread.currentThread())
                {
                    return batch.getFromBatchAndDB(db, dataCf, readOptions, key);
                }
                return db.get(dataCf, key);
            }
            catch (final RocksDBException ex)
            {
                throw new IllegalStateException("RocksDB read failed in " + stateDir + ": " + ex.getMessage(), ex);
            }
        }

        @Override
        public void put(final byte[] key, final byte[] value)
        {
            checkApplying();
            try
            {
                batch.put(dataCf, key, value);
            }
            catch (final RocksDBException ex)
            {
                throw new IllegalStateException("RocksDB batch put failed: " + ex.getMessage(), ex);
            }
        }

        @Override
        public void delete(final byte[] key)
        {
            checkApplying();
            try
            {
                batch.delete(dataCf, key);
            }
            catch (final RocksDBException ex)
            {
                throw new IllegalStateException("RocksDB batch delete failed: " + ex.getMessage(), ex);
            }
        }

        @Override
        public int scan(final byte[] from, final byte[] to, final int limit, final Visitor visitor)
        {
            int visited = 0;
            try (RocksIterator iter = db.newIterator(dataCf))
            {
                if (from == null || from.length == 0)
                {
                    iter.seekToFirst();
                }
                else
                {
                    iter.seek(from);
                }
                while (iter.isValid() && visited < limit)
                {
                    final byte[] k = iter.key();
                    if (to != null && Arrays.compareUnsigned(k, to) >= 0)
                    {
                        break;
                    }
                    visited++;
                    if (!visitor.visit(k, iter.value()))
                    {
                        break;
                    }
                    iter.next();
                }
            }
            return visited;
        }
    }
}
