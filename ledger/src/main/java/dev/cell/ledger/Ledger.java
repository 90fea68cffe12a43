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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * Snapshots are RocksDB checkpoints (hard links, cheap) plus {@code snapshot.properties}, both forced to disk before
 * the snapshot's folder is renamed into place (and the parent folder forced after). {@link #restore(Path)} replaces
 * the live state with a snapshot's atomically: the new state is built beside the live one ({@code state.new}: the
 * snapshot's SST files hard-linked, the rest copied, verified against the snapshot's index and state hash, forced),
 * then swapped in by two renames ({@code state} to {@code state.old}, {@code state.new} to {@code state}); a crash at
 * any point leaves either the old or the new state, repaired when the ledger is next opened. Queries running on other
 * threads hold a read lock on the database, so a restore never closes it under them.
 * <p>
 * Folders are created 0700; the files RocksDB and Chronicle create inside them are reachable only by their owner.
 *
 * @since 0.1
 */
public final class Ledger implements AutoCloseable
{
    private static final byte[] APPLIED_KEY = "cell.applied".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] META_CF = "cell.meta".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FLOOR_KEY = "cell.journal.floor".getBytes(StandardCharsets.US_ASCII);
    static final String STATE = "state";
    static final String STATE_NEW = "state.new";
    static final String STATE_OLD = "state.old";

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
    private final ReentrantReadWriteLock dbLock = new ReentrantReadWriteLock();

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
        this.stateDir = dir.resolve(STATE);
        PrivateFiles.createDirectories(dir);
        StateSwap.recover(dir, stateDir);
        PrivateFiles.createDirectories(stateDir);
        this.journal = Journal.open(dir.resolve("journal"));
        try
        {
            openDb();
        }
        catch (final RuntimeException ex)
        {
            journal.close();
            throw ex;
        }
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
            final byte[] floor = db.get(metaCf, FLOOR_KEY);
            journal.floor(floor == null ? 0 : ByteBuffer.wrap(floor).getLong());
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
            dbLock.readLock().lock();
            try
            {
                return db.get(metaCf, key);
            }
            finally
            {
                dbLock.readLock().unlock();
            }
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
     * Take a snapshot into {@code target} (which must not exist): a RocksDB checkpoint of the committed state and its
     * description, built in {@code <target>.tmp} (0700), forced to disk, renamed to {@code target}, the parent folder
     * forced. Call between commands.
     *
     * @param target the snapshot's folder.
     * @return its description.
     */
    public SnapshotInfo snapshot(final Path target)
    {
        try
        {
            PrivateFiles.createDirectories(target.getParent());
            final Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            StateSwap.deleteTree(tmp);
            Files.createDirectory(tmp, PrivateFiles.dirAttributes());
            try (Checkpoint checkpoint = Checkpoint.create(db))
            {
                checkpoint.createCheckpoint(tmp.resolve(SnapshotInfo.STATE).toString());
            }
            final SnapshotInfo info = new SnapshotInfo(tmp, appliedIndex, appliedTerm, journal.lastIndex(),
                stateHash());
            info.write();
            PrivateFiles.fsyncTree(tmp);
            PrivateFiles.renameDurably(tmp, target);
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
     * Replace the live state with a snapshot's, atomically (see the class comment). Call on the apply thread, between
     * commands. When the journal ends before the snapshot's index (the snapshot came from another replica), the
     * entries it holds are no longer a prefix of this replica's history: the journal's floor moves past the snapshot,
     * in the same swap. Otherwise the journal stays as it is: entries after the snapshot's index that it already holds
     * are skipped when they are applied again.
     *
     * @param snapshotDir a folder written by {@link #snapshot(Path)} (on this replica or another one).
     * @return the snapshot's description.
     * @throws IllegalStateException when the snapshot does not hold what its description says (the live state is
     *                               then unchanged).
     */
    public SnapshotInfo restore(final Path snapshotDir)
    {
        final SnapshotInfo info = SnapshotInfo.read(snapshotDir);
        final Path aside = buildAside(info);
        swapIn(aside);
        return info;
    }

    /**
     * The first half of a restore: the snapshot's state, verified, forced, in {@code state.new}.
     */
    Path buildAside(final SnapshotInfo info)
    {
        final Path aside = dir.resolve(STATE_NEW);
        final long floor = journal.physicalLastIndex() < info.index() ? info.index() + 1 : journal.floor();
        try
        {
            StateSwap.link(info.dir().resolve(SnapshotInfo.STATE), aside);
            StateSwap.verify(aside, info, floor, META_CF, APPLIED_KEY, FLOOR_KEY);
            PrivateFiles.fsyncTree(aside);
            return aside;
        }
        catch (final IOException ex)
        {
            StateSwap.deleteQuietly(aside);
            throw new UncheckedIOException("cannot build the state of snapshot " + info.dir() + " in " + aside, ex);
        }
        catch (final RuntimeException ex)
        {
            StateSwap.deleteQuietly(aside);
            throw ex;
        }
    }

    /**
     * The second half of a restore: the live state becomes {@code state.old}, {@code state.new} becomes the live
     * state, the old one is deleted.
     */
    void swapIn(final Path aside)
    {
        dbLock.writeLock().lock();
        try
        {
            batch.clear();
            closeDb();
            final Path old = dir.resolve(STATE_OLD);
            try
            {
                if (Files.isDirectory(stateDir))
                {
                    StateSwap.deleteTree(old);
                    PrivateFiles.renameDurably(stateDir, old);
                }
                PrivateFiles.renameDurably(aside, stateDir);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot swap the restored state " + aside + " in as " + stateDir, ex);
            }
            finally
            {
                if (!Files.isDirectory(stateDir) && Files.isDirectory(old))
                {
                    try
                    {
                        PrivateFiles.renameDurably(old, stateDir);
                    }
                    catch (final IOException ignore)
                    {
                        // Repaired at the next open.
                    }
                }
                openDb();
            }
            StateSwap.deleteQuietly(old);
        }
        finally
        {
            dbLock.writeLock().unlock();
        }
    }

    /**
     * SHA-256 over every key and value of the cell's state, in key order (the meta column family is left out).
     *
     * @return 64 hex digits.
     */
    public String stateHash()
    {
        dbLock.readLock().lock();
        try
        {
            return StateSwap.stateHash(db, dataCf);
        }
        finally
        {
            dbLock.readLock().unlock();
        }
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
                dbLock.readLock().lock();
                try
                {
                    return db.get(dataCf, key);
                }
                finally
                {
                    dbLock.readLock().unlock();
                }
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
            dbLock.readLock().lock();
            try
            {
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
            }
            finally
            {
                dbLock.readLock().unlock();
            }
            return visited;
        }
    }
}
