package dev.cell.raft;

import dev.cell.ledger.Ledger;
import dev.cell.ledger.PrivateFiles;
import dev.cell.ledger.Stateful;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.StatefulHost;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One replica of a stateful cell: its Ratis server, its {@link Ledger}, and a junction server through which clients
 * call it like any cell. Everything it writes lives under {@code <cellDir>/.cell/replicas/<slot>/}: {@code raft/}
 * (Ratis' log and metadata), {@code ledger/} (journal and state), {@code snapshots/}, {@code leader} and
 * {@code raft-status} (role, term, leader, commit and applied index, rewritten every 500 ms: what {@code cell status}
 * shows). Folders are created 0700, the files this class writes 0600.
 * <pre>{@code
 * try (Replica replica = Replica.start(new KvBinding(), cellDir, ReplicaOptions.defaults()))
 * {
 *     replica.awaitStop();
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class Replica implements StatefulHost.Running
{
    /** The status file's name in the replica's folder. */
    public static final String STATUS_FILE = "raft-status";
    private static final long STATUS_EVERY_NS = 500_000_000L;
    /** A local submission not answered within this long is resent through the Raft client. */
    private static final long LOCAL_TIMEOUT_MS = 3_000;
    /** How long a read keeps asking while the group elects a leader (the forwarding clients' own budget is 15 s). */
    private static final long QUERY_RETRY_MS = 15_000;
    private static final long QUERY_RETRY_PAUSE_MS = 50;

    private final int slot;
    private final Path cellDir;
    private final Path dir;
    private final GroupConfig.SlotLock lock;
    private final Ledger ledger;
    private final CellStateMachine stateMachine;
    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final ReplicaOptions options;
    private final RaftGroup group;
    private final Parameters raftParameters;
    private final Object clientLock = new Object();
    private final AtomicReferenceArray<RaftClient> clients;
    private final AtomicReferenceArray<RaftClient> readers;
    private final AtomicLong nextQueryClient = new AtomicLong();
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong localCallIds = new AtomicLong();
    private volatile RaftServer.Division division;
    private volatile boolean closed;
    private volatile boolean failed;
    private Thread watchdog;
    private final CellServer cellServer;

    private Replica(final CellBinding<?> binding, final Path cellDir, final ReplicaOptions options) throws IOException
    {
        this.cellDir = cellDir;
        this.options = options;
        this.clients = new AtomicReferenceArray<>(options.forwardClients());
        this.readers = new AtomicReferenceArray<>(options.forwardClients());
        final GroupConfig config = GroupConfig.loadOrCreate(cellDir, options.groupSize());
        this.lock = config.claim(options.slot());
        this.slot = lock.slot();
        this.dir = config.slotDir(slot);
        Ledger openedLedger = null;
        RaftServer startedServer = null;
        final List<RaftClient> openedClients = new ArrayList<>();
        try
        {
            openedLedger = Ledger.open(dir.resolve("ledger"));
            this.ledger = openedLedger;
            final Object cell = binding.newCell();
            if (cell instanceof Stateful s)
            {
                s.attach(ledger.state(), ledger.journal());
            }
            final Dispatcher localDispatcher = dispatcher(binding, cell);
            final HandlerTable table = new HandlerTable(cell.getClass(), binding.genome());
            final byte[] groupKey = EntryAuth.loadOrCreateKey(cellDir);
            this.stateMachine = new CellStateMachine(ledger, () -> dispatcher(binding, cell), dir.resolve("snapshots"),
                table, groupKey);
            final List<Integer> members = new ArrayList<>(config.members);
            if (!members.contains(slot))
            {
                members.add(slot); // a replica being added: it joins once a membership change names it
            }
            this.group = RaftSetup.group(config.groupId, config.ports, members);
            this.groupId = group.getGroupId();
            this.self = RaftSetup.peerId(slot);
            this.raftParameters = raftParameters(cellDir, config.groupId, options.transport());
            final Path raftDir = dir.resolve("raft");
            final boolean fresh = !Files.isDirectory(raftDir.resolve(groupId.getUuid().toString()));
            PrivateFiles.createDirectories(raftDir);
            final RaftServer.Builder builder = RaftServer.newBuilder();
            if (raftParameters != null)
            {
                builder.setParameters(raftParameters);
            }
            startedServer = builder
                .setServerId(self)
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(RaftSetup.serverProperties(raftDir.toFile(), config.ports.get(slot),
                    options.transport(), options.electionMs(), options.snapshotEvery(), options.logPreserve(),
                    options.raftProperties()))
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
            startedServer.start();
            this.server = startedServer;
            for (int i = 0; i < clients.length(); i++)
            {
                final RaftClient c = RaftSetup.client(group, options.transport(), null, raftParameters);
                openedClients.add(c);
                clients.set(i, c);
                final RaftClient r = RaftSetup.reader(group, options.transport(), raftParameters);
                openedClients.add(r);
                readers.set(i, r);
            }
            this.cellServer = CellServer.start(binding.cellName(), binding.genome(),
                new ReplicatedDispatcher(this, table, localDispatcher, groupKey),
                cell instanceof CellLifecycle l ? l : null, cellDir, options.server());
            watchdog = Thread.ofPlatform().daemon(true).name("replica-watchdog-" + slot).start(this::watch);
            cellServer.log().info("replica.started", "slot", slot, "dir", dir.toString(),
                "port", config.ports.get(slot), "members", config.members.toString(),
                "transport", options.transport().name().toLowerCase(java.util.Locale.ROOT),
                "appliedIndex", ledger.appliedIndex());
        }
        catch (final IOException | RuntimeException ex)
        {
            openedClients.forEach(Replica::closeQuietly);
            closeQuietly(startedServer);
            if (openedLedger != null)
            {
                openedLedger.close();
            }
            lock.close();
            throw ex;
        }
    }

    /**
     * Every 500 ms: rewrite {@code raft-status}; and a replica whose Raft server failed (Ratis closes it on an
     * internal error) must not keep serving junctions it cannot answer: stop it, so its process exits and the failure
     * is visible.
     */
    private void watch()
    {
        boolean seenRunning = false;
        int installsLogged = 0;
        while (!closed)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(STATUS_EVERY_NS);
            if (closed)
            {
                return;
            }
            org.apache.ratis.util.LifeCycle.State state;
            try
            {
                final RaftServer.Division division = server.getDivision(groupId);
                state = division.getInfo().getLifeCycleState();
                writeStatus(division);
                final int installs = stateMachine.installedSnapshots();
                if (installs != installsLogged)
                {
                    installsLogged = installs;
                    cellServer.log().info("replica.snapshot.installed", "slot", slot, "installs", installs,
                        "snapshot", String.valueOf(stateMachine.lastInstall()),
                        "appliedIndex", ledger.appliedIndex());
                }
            }
            catch (final IOException ex)
            {
                continue; // not (yet) reachable: only a division seen running and then closed counts
            }
            if (state == org.apache.ratis.util.LifeCycle.State.RUNNING)
            {
                seenRunning = true;
            }
            if (!closed && seenRunning &&
                (state.isClosingOrClosed() || state == org.apache.ratis.util.LifeCycle.State.EXCEPTION))
            {
                cellServer.log().error("replica.raft.failed", "slot", slot, "state", state.name());
                failed = true;
                close();
                return;
            }
        }
    }

    /**
     * {@code <slot>/raft-status}: a properties file written to a temporary file created 0600 and renamed over the old
     * one (not forced: it is rewritten every 500 ms, and {@code updatedMs} says how fresh it is).
     */
    private void writeStatus(final RaftServer.Division division) throws IOException
    {
        final org.apache.ratis.server.DivisionInfo info = division.getInfo();
        final RaftPeerId leader = info.getLeaderId();
        final var snapshot = stateMachine.getLatestSnapshot();
        final String text = "role=" + info.getCurrentRole().name() + "\n" +
            "term=" + info.getCurrentTerm() + "\n" +
            "leader=" + (leader == null ? "" : leader.toString()) + "\n" +
            "commitIndex=" + division.getRaftLog().getLastCommittedIndex() + "\n" +
            "appliedIndex=" + info.getLastAppliedIndex() + "\n" +
            "updatedMs=" + System.currentTimeMillis() + "\n" +
            "slot=" + slot + "\n" +
            "peer=" + self + "\n" +
            "logStartIndex=" + division.getRaftLog().getStartIndex() + "\n" +
            "snapshotIndex=" + (snapshot == null ? 0 : snapshot.getIndex()) + "\n" +
            "snapshotsInstalled=" + stateMachine.installedSnapshots() + "\n";
        PrivateFiles.writeAtomically(dir.resolve(STATUS_FILE), text.getBytes(StandardCharsets.UTF_8), false);
    }

    /**
     * Over gRPC the Raft ports use mutual TLS with the group's certificate ({@link GroupTls}); Ratis' Netty transport
     * has no TLS for its RPCs (see docs/architecture.md, "The Raft ports").
     */
    private static Parameters raftParameters(final Path cellDir, final java.util.UUID groupId,
        final ReplicaOptions.Transport transport) throws IOException
    {
        return transport == ReplicaOptions.Transport.GRPC ? GroupConfig.tls(cellDir, groupId).parameters() : null;
    }

    @SuppressWarnings("unchecked")
    private static <T> Dispatcher dispatcher(final CellBinding<T> binding, final Object cell)
    {
        return binding.dispatcher((T)cell);
    }

    /**
     * Start a replica of the cell in {@code cellDir}: create the group on first use, claim a slot, open the ledger,
     * join the Raft group and serve junctions.
     *
     * @param binding the cell's generated binding.
     * @param cellDir the cell's folder.
     * @param options how to run.
     * @return the running replica.
     * @throws IllegalStateException when it cannot start (the message says why).
     */
    public static Replica start(final CellBinding<?> binding, final Path cellDir, final ReplicaOptions options)
    {
        try
        {
            return new Replica(binding, cellDir.toAbsolutePath().normalize(), options);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("replica of cell '" + binding.cellName() + "' in " + cellDir +
                " failed to start: " + ex.getMessage(), ex);
        }
    }

    /**
     * Commit a command entry. While this replica leads (and {@link ReplicaOptions#localSubmit()}), an entry whose
     * command carries a client session goes straight into this replica's own Ratis server: no Raft client, no
     * loopback RPC, and over Netty no server event loop held for the whole commit (Ratis' Netty server answers one
     * client request per connection at a time, so forwarded commands do not pipeline). If the local submission fails
     * or times out, typically because leadership moved, the entry is resent through the Raft client, which finds the
     * new leader; the session table applies a (session, sequence) once even if both copies reach the log. Entries
     * without a session (sequence 0) are never sent twice, so they always take the Raft client, whose retries Ratis'
     * retry cache deduplicates.
     *
     * <p>
     * Forwarded commands go through one of {@link ReplicaOptions#forwardClients()} Raft clients chosen by the client
     * session, so one session's commands keep their order while different sessions' commands are in flight at once
     * (Ratis' Netty server answers one request per connection at a time).
     *
     * @param entry        the log entry.
     * @param session      a hash of the command's client session (picks the forwarding client).
     * @param deduplicated whether the entry's command carries a client session and sequence.
     * @return the group's reply.
     */
    CompletableFuture<RaftClientReply> submitCommand(final Message entry, final long session,
        final boolean deduplicated)
    {
        final int forwarder = (int)Math.floorMod(session, (long)clients.length());
        if (deduplicated)
        {
            final CompletableFuture<RaftClientReply> local = submitLocally(entry, RaftClientRequest.writeRequestType());
            if (local != null)
            {
                return local.handle((reply, error) -> localAnswered(reply, error) ? local :
                    forwardCommand(entry, forwarder)).thenCompose(f -> f);
            }
        }
        return forwardCommand(entry, forwarder);
    }

    private CompletableFuture<RaftClientReply> forwardCommand(final Message entry, final int forwarder)
    {
        final RaftClient c = clients.get(forwarder);
        return c.async().send(entry).whenComplete((reply, error) -> renewAfterFailure(forwarder, c, error));
    }

    /**
     * @return the local server's answer, or null when this replica does not lead (or local submission is off).
     */
    private CompletableFuture<RaftClientReply> submitLocally(final Message message, final RaftClientRequest.Type type)
    {
        if (!options.localSubmit() || closed)
        {
            return null;
        }
        RaftServer.Division d = division;
        try
        {
            if (d == null)
            {
                d = server.getDivision(groupId);
                division = d;
            }
            if (!d.getInfo().isLeader() || !d.getInfo().isLeaderReady())
            {
                return null;
            }
            final RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(localClientId)
                .setServerId(self)
                .setGroupId(groupId)
                .setCallId(localCallIds.incrementAndGet())
                .setMessage(message)
                .setType(type)
                .build();
            return server.submitClientRequestAsync(request).copy()
                .orTimeout(LOCAL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final IOException | RuntimeException ex)
        {
            return null; // not running (yet or any more): the Raft client path decides
        }
    }

    /**
     * @return true when the local server's reply is the answer: success, or the state machine's refusal; false when
     * another leader should be asked (not leader, not ready, closed, timed out, overloaded).
     */
    private static boolean localAnswered(final RaftClientReply reply, final Throwable error)
    {
        if (error != null || reply == null)
        {
            return false;
        }
        return reply.isSuccess() || reply.getException() instanceof StateMachineException;
    }

    CompletableFuture<RaftClientReply> submitQuery(final Message query)
    {
        final CompletableFuture<RaftClientReply> local = submitLocally(query, RaftClientRequest.readRequestType());
        if (local != null)
        {
            return local.handle((reply, error) -> localAnswered(reply, error) ? local : forwardQuery(query))
                .thenCompose(f -> f);
        }
        return forwardQuery(query);
    }

    private CompletableFuture<RaftClientReply> forwardQuery(final Message query)
    {
        final CompletableFuture<RaftClientReply> answer = new CompletableFuture<>();
        forwardQuery(query, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(QUERY_RETRY_MS), answer);
        return answer;
    }

    /**
     * Ask the member this replica knows to lead, once, through a reader client that does not retry on its own: a
     * read sent to a member that has just lost (or not yet won) the lead fails with a read-index, not-leader or
     * leader-not-ready answer, or, from a leader without its quorum, times out ({@link RaftSetup#READ_TIMEOUT_MS}).
     * Ratis' retrying client would then try the other members in turn, followers among them, whose answer never
     * comes over Netty. Ask again, after a pause, whoever leads then, until the time is up; an answer the state
     * machine gave is final.
     */
    private void forwardQuery(final Message query, final long deadlineNs,
        final CompletableFuture<RaftClientReply> answer)
    {
        // Answered by the leader after its read index, addressed to it explicitly: a follower asked for a linearizable
        // read would need a read index from the leader, which Ratis' Netty transport cannot request (the request
        // would hang until it times out).
        final RaftPeerId leader = knownLeader();
        if (leader == null)
        {
            // Sent to no member in particular, Ratis' client may pick a follower, which cannot answer it (above).
            if (!closed && System.nanoTime() - deadlineNs < 0)
            {
                retryQuery(query, deadlineNs, answer);
            }
            else
            {
                answer.completeExceptionally(new RaftException(raftMember() + ": no leader was known within " +
                    QUERY_RETRY_MS + " ms"));
            }
            return;
        }
        final int forwarder = (int)Math.floorMod(nextQueryClient.getAndIncrement(), (long)readers.length());
        final RaftClient c = readers.get(forwarder);
        c.async().sendReadOnly(query, leader).whenComplete((r, error) ->
        {
            renew(readers, forwarder, c, error, () -> RaftSetup.reader(group, options.transport(), raftParameters));
            final Throwable failure = error instanceof CompletionException && error.getCause() != null ?
                error.getCause() : error != null ? error : r != null ? r.getException() : null;
            if (failure != null && !(failure instanceof StateMachineException) && !closed &&
                System.nanoTime() - deadlineNs < 0)
            {
                retryQuery(query, deadlineNs, answer);
            }
            else if (error != null)
            {
                answer.completeExceptionally(error);
            }
            else
            {
                answer.complete(r);
            }
        });
    }

    private void retryQuery(final Message query, final long deadlineNs, final CompletableFuture<RaftClientReply> answer)
    {
        CompletableFuture.delayedExecutor(QUERY_RETRY_PAUSE_MS, TimeUnit.MILLISECONDS)
            .execute(() -> forwardQuery(query, deadlineNs, answer));
    }

    /**
     * @return the member this replica knows to lead and, when that is this replica, to be ready; else null.
     */
    private RaftPeerId knownLeader()
    {
        try
        {
            final RaftServer.Division d = server.getDivision(groupId);
            final RaftPeerId leader = d.getInfo().getLeaderId();
            return leader == null || (leader.equals(self) && !d.getInfo().isLeaderReady()) ? null : leader;
        }
        catch (final IOException noDivisionYet)
        {
            return null;
        }
    }

    /**
     * Ratis' ordered async client closes its sliding window for good once one request fails after all its retries;
     * every later request would fail at once. Replace it (the caller retries; client sessions keep that exactly once).
     */
    private void renewAfterFailure(final int forwarder, final RaftClient failed, final Throwable error)
    {
        renew(clients, forwarder, failed, error, () -> RaftSetup.client(group, options.transport(), null,
            raftParameters));
    }

    private void renew(final AtomicReferenceArray<RaftClient> pool, final int index, final RaftClient failed,
        final Throwable error, final java.util.function.Supplier<RaftClient> fresh)
    {
        if (error == null || closed)
        {
            return;
        }
        synchronized (clientLock)
        {
            if (pool.get(index) != failed || closed)
            {
                return;
            }
            pool.set(index, fresh.get());
        }
        Thread.ofVirtual().name("raft-client-close").start(() -> closeQuietly(failed));
    }

    /**
     * @return this replica's slot (its number in the group).
     */
    public int slot()
    {
        return slot;
    }

    /**
     * @return this replica's Ratis member name ({@code r<slot>@group-…}, as in Ratis' logs and metrics).
     */
    public String raftMember()
    {
        return self + "@" + groupId;
    }

    /**
     * @return this replica's folder.
     */
    public Path dir()
    {
        return dir;
    }

    /**
     * @return the junction server's instance id.
     */
    public String instanceId()
    {
        return cellServer.instanceId();
    }

    /**
     * @return true while this replica is the group's leader.
     */
    public boolean isLeader()
    {
        try
        {
            return server.getDivision(groupId).getInfo().isLeader();
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    /**
     * @return the last applied log index.
     */
    public long appliedIndex()
    {
        return ledger.appliedIndex();
    }

    /**
     * @return SHA-256 of this replica's state (hex): equal on replicas that applied the same commands.
     */
    public String stateHash()
    {
        return ledger.stateHash();
    }

    /**
     * @return the log index of the newest snapshot, 0 when none.
     */
    public long snapshotIndex()
    {
        final var s = stateMachine.getLatestSnapshot();
        return s == null ? 0 : s.getIndex();
    }

    /**
     * @return the first index of this replica's Raft log (entries below it were purged after a snapshot).
     */
    public long logStartIndex()
    {
        try
        {
            return server.getDivision(groupId).getRaftLog().getStartIndex();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("no Raft division: " + ex.getMessage(), ex);
        }
    }

    /**
     * @return how many snapshots the leader installed into this replica since it started (it was behind the
     * leader's first log index).
     */
    public int installedSnapshots()
    {
        return stateMachine.installedSnapshots();
    }

    /**
     * Ask the group to make this replica its leader (a Ratis leadership transfer).
     *
     * @param timeoutMs how long the transfer may take.
     * @throws IllegalStateException when it did not happen.
     */
    public void becomeLeader(final long timeoutMs)
    {
        try (RaftClient admin = RaftSetup.client(RaftGroup.valueOf(groupId, server.getDivision(groupId).getGroup()
            .getPeers()), options.transport(), null, raftParameters))
        {
            final RaftClientReply reply = admin.admin().transferLeadership(self, timeoutMs);
            if (!reply.isSuccess())
            {
                throw new IllegalStateException("leadership transfer to " + self + " refused: " +
                    reply.getException());
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("leadership transfer to " + self + " failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * Take a snapshot now (through Ratis, so the log and the snapshot agree).
     *
     * @return the snapshot's log index.
     * @throws IllegalStateException when Ratis refused.
     */
    public long takeSnapshot()
    {
        try (RaftClient admin = RaftSetup.client(RaftGroup.valueOf(groupId, server.getDivision(groupId).getGroup()
            .getPeers()), options.transport(), null, raftParameters))
        {
            final RaftClientReply reply = admin.getSnapshotManagementApi(self).create(true, 30_000);
            if (!reply.isSuccess())
            {
                throw new IllegalStateException("snapshot refused: " + reply.getException());
            }
            return snapshotIndex();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("snapshot failed: " + ex.getMessage(), ex);
        }
    }

    /**
     * Change the group's members (a Ratis membership change, committed through the log). A replica being added must
     * be running (started with {@link #addSlot(Path)}'s slot) so the leader can bring it up to date.
     *
     * @param cellDir the cell's folder.
     * @param slots   the new members' slots.
     * @throws IllegalStateException when the group did not accept the change.
     */
    public static void changeMembers(final Path cellDir, final List<Integer> slots)
    {
        try
        {
            final GroupConfig config = GroupConfig.read(GroupConfig.replicasDir(cellDir.toAbsolutePath()));
            final List<RaftPeer> peers = new ArrayList<>();
            for (final int s : slots)
            {
                final Integer port = config.ports.get(s);
                if (port == null)
                {
                    throw new IllegalArgumentException("slot " + s + " is not part of the group (slots " +
                        config.ports.keySet() + "); add it with Replica.addSlot first");
                }
                peers.add(RaftSetup.peer(s, port));
            }
            final RaftGroup current = RaftSetup.group(config.groupId, config.ports, config.members);
            final ReplicaOptions.Transport transport = ReplicaOptions.fromSystemProperties(null).transport();
            try (RaftClient admin = RaftSetup.client(current, transport, null,
                raftParameters(cellDir.toAbsolutePath(), config.groupId, transport)))
            {
                final RaftClientReply reply = admin.admin().setConfiguration(peers);
                if (!reply.isSuccess())
                {
                    throw new IllegalStateException("membership change to " + slots + " refused: " +
                        reply.getException());
                }
            }
            GroupConfig.writeMembers(cellDir.toAbsolutePath(), slots);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("membership change to " + slots + " failed", ex);
        }
    }

    /**
     * Reserve a new replica slot (identity and port) in the cell's group; start a replica with it, then make it a
     * member with {@link #changeMembers(Path, List)}.
     *
     * @param cellDir the cell's folder.
     * @return the new slot.
     */
    public static int addSlot(final Path cellDir)
    {
        try
        {
            return GroupConfig.addSlot(cellDir.toAbsolutePath());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot add a replica slot under " + cellDir, ex);
        }
    }

    /**
     * @return the replica's log.
     */
    public CellLog log()
    {
        return cellServer.log();
    }

    @Override
    public boolean failed()
    {
        return failed;
    }

    @Override
    public void awaitStop() throws InterruptedException
    {
        cellServer.awaitStop();
    }

    @Override
    public void close()
    {
        cellServer.close();
        synchronized (clientLock)
        {
            closed = true;
        }
        for (int i = 0; i < clients.length(); i++)
        {
            closeQuietly(clients.get(i));
            closeQuietly(readers.get(i));
        }
        closeQuietly(server);
        ledger.close();
        lock.close();
    }

    private static void closeQuietly(final AutoCloseable c)
    {
        if (c != null)
        {
            try
            {
                c.close();
            }
            catch (final Exception ignore)
            {
                // Best effort on the way out.
            }
        }
    }
}
