package dev.cell.raft;

import dev.cell.ledger.JournalReader;
import dev.cell.ledger.Ledger;
import dev.cell.ledger.PrivateFiles;
import dev.cell.ledger.SnapshotInfo;
import dev.cell.ledger.Stateful;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.service.Dispatcher;
import org.agrona.ExpandableDirectByteBuffer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The Ratis state machine of one replica: applies command entries by running the cell's generated dispatcher against
 * the {@link Ledger}, answers queries with a per-thread dispatcher, snapshots the ledger.
 * <p>
 * Log entry (little-endian): {@code kind (1 byte) | leader time (int64, epoch ms) | session window (int32, ms) |
 * session high | session low | sequence (int64 each) | the cell's SBE request}; the receiving replica writes kind,
 * session and sequence, the leader writes its time and window in {@link #startTransaction}. Reply:
 * {@code status (1 byte) | bytes}, status {@link #OK}, {@link #APP_ERROR} (a declared error's SBE message),
 * {@link #FAILED} (UTF-8 text: the handler threw) or {@link #REFUSED} (UTF-8 text: not applied and never will be).
 * Exactly once per (session, sequence): see {@link SessionTable}.
 */
final class CellStateMachine extends BaseStateMachine
{
    static final byte ENTRY_COMMAND = Stateful.APPLIED;
    static final int ENTRY_HEADER = Stateful.COMMAND_OFFSET;
    static final byte OK = 0;
    static final byte APP_ERROR = 1;
    static final byte FAILED = 2;
    static final byte REFUSED = 3;
    static final String REFUSED_PREFIX = "cell refused: ";
    private static final Message EMPTY = Message.valueOf(ByteString.EMPTY);

    private final Ledger ledger;
    private final Dispatcher applyDispatcher;
    private final ThreadLocal<QueryContext> queryContexts;
    private final Path snapshotsDir;
    private final ExpandableDirectByteBuffer in = new ExpandableDirectByteBuffer(4096);
    private final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4096);
    private final HandlerTable table;
    private final EntryAuth applyAuth;
    private final ThreadLocal<EntryAuth> leaderAuth;
    private final SessionTable sessions;
    private final long sessionWindowMs;
    private final StateMachineStorage storage = new Storage();
    private volatile FileListSnapshotInfo latest;
    private final AtomicInteger installs = new AtomicInteger();
    private volatile String lastInstall;
    private byte[] applyScratch = new byte[4096];

    CellStateMachine(final Ledger ledger, final Supplier<Dispatcher> dispatchers, final Path snapshotsDir,
        final HandlerTable table, final byte[] groupKey)
    {
        this.ledger = ledger;
        this.table = table;
        this.applyAuth = EntryAuth.of(groupKey);
        this.leaderAuth = ThreadLocal.withInitial(() -> EntryAuth.of(groupKey));
        this.sessions = new SessionTable(ledger);
        this.sessionWindowMs = SessionTable.configuredWindowMs();
        this.applyDispatcher = dispatchers.get();
        this.queryContexts = ThreadLocal.withInitial(() -> new QueryContext(dispatchers.get()));
        this.snapshotsDir = snapshotsDir;
    }

    @Override
    public void initialize(final RaftServer server, final RaftGroupId groupId, final RaftStorage raftStorage)
        throws IOException
    {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().transition(LifeCycle.State.STARTING);
        loadNewestSnapshot();
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    private void loadNewestSnapshot() throws IOException
    {
        PrivateFiles.createDirectories(snapshotsDir);
        final Path newest = newestSnapshot();
        if (newest != null)
        {
            final SnapshotInfo info = SnapshotInfo.read(newest);
            if (ledger.appliedIndex() < info.index())
            {
                try
                {
                    ledger.restore(newest);
                }
                catch (final RuntimeException ex)
                {
                    throw new IOException("cannot load snapshot " + newest + ": " + ex.getMessage(), ex);
                }
            }
            latest = describe(info);
        }
        replayJournal();
        // Ratis replays its log from the snapshot's index whatever the ledger holds (entries the ledger applied
        // already are skipped by Ledger.begin), so the applied index it sees starts at the snapshot's.
        if (latest != null)
        {
            setLastAppliedTermIndex(latest.getTermIndex());
        }
    }

    /**
     * Ratis pauses the state machine before it moves an installed snapshot into {@link #snapshotsDir} (it replaces the
     * folder); nothing here holds files in it open.
     */
    @Override
    public void pause()
    {
        if (getLifeCycleState() == LifeCycle.State.RUNNING)
        {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /**
     * Called by Ratis (on the apply thread, paused) after it installed a snapshot from the leader into
     * {@link #snapshotsDir}: this replica's log was behind the leader's first index. The snapshot's RocksDB checkpoint
     * becomes the live state (atomically, see {@link Ledger#restore}), the journal's floor moves past it, and Ratis
     * continues applying from the snapshot's index.
     */
    @Override
    public void reinitialize() throws IOException
    {
        final Path newest = newestSnapshot();
        if (newest == null)
        {
            throw new IOException("reinitialize: " + snapshotsDir + " holds no complete snapshot to load");
        }
        final long before = ledger.appliedIndex();
        loadNewestSnapshot();
        // After an install the ledger holds exactly the snapshot (Ratis continues from its index); after an admin
        // pause and resume it holds what it applied, which is also where Ratis continues.
        setLastAppliedTermIndex(TermIndex.valueOf(ledger.appliedTerm(), ledger.appliedIndex()));
        installs.incrementAndGet();
        lastInstall = "index " + latest.getIndex() + " (applied was " + before + ")";
        if (getLifeCycleState() == LifeCycle.State.PAUSED)
        {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    /**
     * @return how many snapshots Ratis installed into this replica since it started.
     */
    int installedSnapshots()
    {
        return installs.get();
    }

    /**
     * @return the last installed snapshot, in words, or null.
     */
    String lastInstall()
    {
        return lastInstall;
    }

    /**
     * After a restore the state may be behind the journal: re-apply the journal's commands locally (every replica
     * applied exactly these, in this order), so the replica is where it was before it stopped without asking the
     * group for them.
     */
    private void replayJournal()
    {
        if (ledger.journal().lastIndex() <= ledger.appliedIndex())
        {
            return;
        }
        final ByteBuffer entry = ByteBuffer.allocate(64 * 1024);
        try (JournalReader reader = ledger.journal().readerAfter(ledger.appliedIndex()))
        {
            final ByteBuffer[] holder = {entry};
            while (reader.next((index, term, payload, offset, length) ->
            {
                ByteBuffer b = holder[0];
                if (b.capacity() < length)
                {
                    b = ByteBuffer.allocate(length * 2);
                    holder[0] = b;
                }
                b.clear();
                payload.getBytes(offset, b, length);
                b.flip();
                applyEntry(index, term, b);
            }))
            {
                // replay until the end
            }
        }
    }

    /**
     * Who this replica believes leads, in {@code <replica>/leader} (for operators and the fault tests; written on
     * leader changes only, never on the apply path).
     */
    @Override
    public void notifyLeaderChanged(final org.apache.ratis.protocol.RaftGroupMemberId member,
        final org.apache.ratis.protocol.RaftPeerId newLeaderId)
    {
        try
        {
            PrivateFiles.writeAtomically(snapshotsDir.resolveSibling("leader"),
                (newLeaderId == null ? "" : newLeaderId.toString()).getBytes(StandardCharsets.UTF_8), false);
        }
        catch (final IOException ignore)
        {
            // Informational only.
        }
    }

    /**
     * On the leader, before an entry enters the log: refuse what is not a command of this cell, and write the
     * leader's timestamp and session window into the entry (every replica then decides session expiry from the
     * same values).
     */
    @Override
    public TransactionContext startTransaction(final RaftClientRequest request) throws IOException
    {
        final ByteString data = request.getMessage().getContent();
        final TransactionContext.Builder builder = TransactionContext.newBuilder().setStateMachine(this)
            .setClientRequest(request);
        final String problem = notACommand(data);
        if (problem != null)
        {
            final TransactionContext refused = builder.build();
            refused.setException(new IllegalArgumentException(REFUSED_PREFIX + problem));
            return refused;
        }
        final byte[] bytes = data.toByteArray();
        final ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1, System.currentTimeMillis());
        b.putInt(9, (int)sessionWindowMs);
        return builder.setLogData(UnsafeByteOperations.unsafeWrap(bytes)).build();
    }

    private String notACommand(final ByteString data)
    {
        final int length = data.size();
        if (length < ENTRY_HEADER + 8 + EntryAuth.TAG_LENGTH || data.byteAt(0) != ENTRY_COMMAND)
        {
            return "an entry of " + length + " bytes is not a command entry of this cell (kind " +
                (length == 0 ? "none" : Integer.toString(data.byteAt(0) & 0xFF)) + ")";
        }
        final int blockLength = (data.byteAt(ENTRY_HEADER) & 0xFF) | (data.byteAt(ENTRY_HEADER + 1) & 0xFF) << 8;
        final int templateId = (data.byteAt(ENTRY_HEADER + 2) & 0xFF) | (data.byteAt(ENTRY_HEADER + 3) & 0xFF) << 8;
        if (table.kind(templateId) != HandlerTable.COMMAND)
        {
            return "template " + templateId + " is not a command of this cell";
        }
        if (ENTRY_HEADER + 8 + blockLength > length - EntryAuth.TAG_LENGTH)
        {
            return "template " + templateId + " claims a block of " + blockLength + " bytes but the entry holds " +
                (length - ENTRY_HEADER - 8 - EntryAuth.TAG_LENGTH);
        }
        if (!leaderAuth.get().verify(data.asReadOnlyByteBuffer(), 0, length))
        {
            return "the entry is not authenticated with the group's key (a replica of this group did not send it)";
        }
        return null;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(final TransactionContext trx)
    {
        final LogEntryProto entry = trx.getLogEntry();
        final long index = entry.getIndex();
        final long term = entry.getTerm();
        final ByteString data = entry.getStateMachineLogEntry().getLogData();
        if (applyScratch.length < data.size())
        {
            applyScratch = new byte[Math.max(data.size(), applyScratch.length * 2)];
        }
        data.copyTo(applyScratch, 0);
        final Message reply = applyEntry(index, term, ByteBuffer.wrap(applyScratch, 0, data.size()));
        updateLastAppliedTermIndex(term, index);
        return CompletableFuture.completedFuture(reply);
    }

    /**
     * Apply one entry (journal-format when replaying: the journal stores the entry as it was in the log, its kind
     * set to {@link Stateful#APPLIED} or {@link Stateful#NOT_APPLIED}; both are applied alike, the same way again).
     * Total: whatever the handler throws, {@code Error}s included, becomes a recorded {@link #FAILED} reply, the
     * same on every replica; only a failure of this replica's own storage escapes (the replica stops, its state is
     * rebuilt from its snapshot, journal and the group's log).
     */
    Message applyEntry(final long index, final long term, final ByteBuffer entry)
    {
        if (!ledger.begin(index, term))
        {
            return EMPTY;
        }
        final int start = entry.position();
        final int length = entry.remaining();
        final byte kind = length == 0 ? 0 : entry.get(start);
        if (length < ENTRY_HEADER + 8 + EntryAuth.TAG_LENGTH || (kind != ENTRY_COMMAND && kind != Stateful.NOT_APPLIED))
        {
            if (length > 0)
            {
                entry.put(start, Stateful.NOT_APPLIED);
            }
            ledger.commit(entry);
            return failed("log entry " + index + " is not a command of this cell (" + length + " bytes)");
        }
        if (!applyAuth.verify(entry, start, length))
        {
            // Reached the log without passing a leader's startTransaction (an impostor): refused on every replica.
            entry.put(start, Stateful.NOT_APPLIED);
            ledger.commit(entry);
            return Message.valueOf(UnsafeByteOperations.unsafeWrap(text(REFUSED,
                "log entry " + index + " is not authenticated with the group's key")));
        }
        final ByteBuffer header = entry.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        final long leaderTime = header.getLong(start + 1);
        final long windowMs = header.getInt(start + 9) & 0xFFFFFFFFL;
        final long high = header.getLong(start + 13);
        final long low = header.getLong(start + 21);
        final long sequence = header.getLong(start + 29);
        final long now = sessions.begin(leaderTime);
        final int decision = sequence == 0 ? SessionTable.APPLY : sessions.check(high, low, sequence, now, windowMs);
        final byte[] reply;
        boolean applied = false;
        if (decision == SessionTable.DUPLICATE)
        {
            reply = sessions.priorReply();
            sessions.touch(high, low, now);
        }
        else if (decision == SessionTable.REFUSED)
        {
            reply = text(REFUSED, sessions.refusal());
        }
        else
        {
            reply = runHandler(entry, start + ENTRY_HEADER, length - ENTRY_HEADER - EntryAuth.TAG_LENGTH);
            applied = reply[0] != FAILED;
            if (sequence != 0)
            {
                sessions.record(high, low, sequence, now, reply);
            }
        }
        sessions.finish(now, windowMs);
        entry.put(start, applied ? Stateful.APPLIED : Stateful.NOT_APPLIED);
        ledger.commit(entry);
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(reply));
    }

    private byte[] runHandler(final ByteBuffer entry, final int at, final int frameLength)
    {
        in.putBytes(0, entry, at, frameLength);
        try
        {
            final int result = applyDispatcher.dispatch(in, 0, frameLength, out, 1);
            final int replyLength = result == Integer.MIN_VALUE ? 0 : Math.abs(result);
            out.putByte(0, result < 0 ? APP_ERROR : OK);
            final byte[] reply = new byte[1 + replyLength];
            out.getBytes(0, reply);
            return reply;
        }
        catch (final Throwable ex)
        {
            if (storageFault(ex))
            {
                throw ex;
            }
            ledger.discardWrites();
            return text(FAILED, ex.getClass().getName() + ": " + ex.getMessage());
        }
    }

    /**
     * A failure of this replica's RocksDB is not an outcome of the command (other replicas applied it): it must not
     * be recorded as one.
     */
    private static boolean storageFault(final Throwable ex)
    {
        for (Throwable t = ex; t != null; t = t.getCause())
        {
            if (t instanceof org.rocksdb.RocksDBException)
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] text(final byte status, final String text)
    {
        final byte[] t = String.valueOf(text).getBytes(StandardCharsets.UTF_8);
        final byte[] reply = new byte[1 + t.length];
        reply[0] = status;
        System.arraycopy(t, 0, reply, 1, t.length);
        return reply;
    }

    private static Message failed(final String text)
    {
        return Message.valueOf(UnsafeByteOperations.unsafeWrap(text(FAILED, text)));
    }

    @Override
    public CompletableFuture<Message> query(final Message request)
    {
        final ByteString content = request.getContent();
        final QueryContext q = queryContexts.get();
        if (q.scratch.length < content.size())
        {
            q.scratch = new byte[Math.max(content.size(), q.scratch.length * 2)];
        }
        content.copyTo(q.scratch, 0);
        return CompletableFuture.completedFuture(runQuery(ByteBuffer.wrap(q.scratch, 0, content.size())));
    }

    /**
     * Run a query against local state on the calling thread.
     */
    Message runQuery(final ByteBuffer frame)
    {
        final QueryContext q = queryContexts.get();
        final int length = frame.remaining();
        q.in.putBytes(0, frame, frame.position(), length);
        try
        {
            final int result = q.dispatcher.dispatch(q.in, 0, length, q.out, 1);
            final int replyLength = result == Integer.MIN_VALUE ? 0 : Math.abs(result);
            q.out.putByte(0, result < 0 ? APP_ERROR : OK);
            final byte[] reply = new byte[1 + replyLength];
            q.out.getBytes(0, reply);
            return Message.valueOf(UnsafeByteOperations.unsafeWrap(reply));
        }
        catch (final Throwable ex)
        {
            return failed(ex.getClass().getName() + ": " + ex.getMessage());
        }
    }

    /**
     * A checkpoint of the ledger into {@code snapshots/<term>_<index>/}; the two newest are kept. After it Ratis purges
     * its log up to the snapshot (less the entries {@code cell.raft.log.preserve} keeps, see {@link RaftSetup}), and
     * the journal drops the roll cycles the older kept snapshot covers. Failures are IOExceptions (Ratis logs them and
     * tries again at the next trigger; anything else would stop the replica).
     */
    @Override
    public long takeSnapshot() throws IOException
    {
        final long index = ledger.appliedIndex();
        if (index == 0)
        {
            return org.apache.ratis.server.raftlog.RaftLog.INVALID_LOG_INDEX;
        }
        final Path dir = snapshotsDir.resolve(ledger.appliedTerm() + "_" + index);
        try
        {
            if (!Files.isDirectory(dir))
            {
                latest = describe(ledger.snapshot(dir));
                pruneSnapshots(2);
            }
            final List<Path> kept = snapshots();
            if (!kept.isEmpty())
            {
                ledger.journal().trim(SnapshotInfo.read(kept.getFirst()).index());
            }
        }
        catch (final RuntimeException ex)
        {
            throw new IOException("snapshot at index " + index + " into " + dir + " failed: " + ex.getMessage(), ex);
        }
        return index;
    }

    private void pruneSnapshots(final int keep)
    {
        final List<Path> all = snapshots();
        for (int i = 0; i < all.size() - keep; i++)
        {
            InstanceRegistry.deleteTree(all.get(i)); // best effort: what stays is retried at the next snapshot
        }
    }

    private List<Path> snapshots()
    {
        final List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(snapshotsDir))
        {
            return found;
        }
        try (Stream<Path> s = Files.list(snapshotsDir))
        {
            s.filter(p -> p.getFileName().toString().matches("[0-9]+_[0-9]+") &&
                Files.isRegularFile(p.resolve("snapshot.properties"))).forEach(found::add);
        }
        catch (final IOException ex)
        {
            return found;
        }
        found.sort(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().split("_")[1])));
        return found;
    }

    Path newestSnapshot()
    {
        final List<Path> all = snapshots();
        return all.isEmpty() ? null : all.getLast();
    }

    private static FileListSnapshotInfo describe(final SnapshotInfo info)
    {
        final List<FileInfo> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(info.dir()))
        {
            // Ratis writes an .md5 beside every file it installs: those are not part of the snapshot.
            s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".md5"))
                .forEach(p -> files.add(new FileInfo(p, null)));
        }
        catch (final IOException ex)
        {
            files.clear();
        }
        return new FileListSnapshotInfo(files, info.term(), info.index());
    }

    @Override
    public org.apache.ratis.statemachine.SnapshotInfo getLatestSnapshot()
    {
        return latest;
    }

    @Override
    public StateMachineStorage getStateMachineStorage()
    {
        return storage;
    }

    private final class Storage implements StateMachineStorage
    {
        @Override
        public void init(final RaftStorage raftStorage)
        {
        }

        @Override
        public org.apache.ratis.statemachine.SnapshotInfo getLatestSnapshot()
        {
            return latest;
        }

        @Override
        public void format()
        {
        }

        @Override
        public void cleanupOldSnapshots(final SnapshotRetentionPolicy policy)
        {
        }

        @Override
        public File getSnapshotDir()
        {
            return snapshotsDir.toFile();
        }
    }

    private static final class QueryContext
    {
        final Dispatcher dispatcher;
        final ExpandableDirectByteBuffer in = new ExpandableDirectByteBuffer(1024);
        final ExpandableDirectByteBuffer out = new ExpandableDirectByteBuffer(4096);
        byte[] scratch = new byte[1024];

        QueryContext(final Dispatcher dispatcher)
        {
            this.dispatcher = dispatcher;
        }
    }
}
