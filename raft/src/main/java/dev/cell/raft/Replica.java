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
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
    private final Forwarder forwarder;
    private volatile boolean closed;
    private volatile boolean failed;
    private Thread watchdog;
    private final CellServer cellServer;
    private Promotion promotion;
    private List<Integer> lastVoters = List.of();
    private List<Integer> lastListeners = List.of();

    private Replica(final CellBinding<?> binding, final Path cellDir, final ReplicaOptions requested)
        throws IOException
    {
        this.cellDir = cellDir;
        final GroupConfig config = GroupConfig.loadOrCreate(cellDir, requested.groupSize());
        // Between hosts the Raft ports must authenticate and encrypt: only gRPC with the group's mutual TLS does.
        this.options = config.spansHosts() ? requested.withTransport(ReplicaOptions.Transport.GRPC) : requested;
        final ReplicaOptions options = this.options;
        this.lock = config.claim(options.slot());
        this.slot = lock.slot();
        this.dir = config.slotDir(slot);
        Ledger openedLedger = null;
        RaftServer startedServer = null;
        Forwarder openedForwarder = null;
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
            if (!members.contains(slot) && !config.listeners.contains(slot))
            {
                members.add(slot); // a replica being added: it joins once a membership change names it
            }
            this.group = RaftSetup.group(config, members, config.listeners);
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
                .setProperties(RaftSetup.serverProperties(raftDir.toFile(), config.host(slot), config.ports.get(slot),
                    options.transport(), options.electionMs(), options.snapshotEvery(), options.logPreserve(),
                    options.raftProperties()))
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
            startedServer.start();
            this.server = startedServer;
            openedForwarder = new Forwarder(server, group, self, options, raftParameters);
            this.forwarder = openedForwarder;
            this.cellServer = CellServer.start(binding.cellName(), binding.genome(),
                new ReplicatedDispatcher(this, table, localDispatcher, groupKey),
                cell instanceof CellLifecycle l ? l : null, cellDir, options.server());
            this.promotion = new Promotion(self, options.promoteAfterMs(), () -> RaftSetup.client(RaftGroup.valueOf(
                groupId, currentPeers()), options.transport(), self, raftParameters), cellServer.log());
            watchdog = Thread.ofPlatform().daemon(true).name("replica-watchdog-" + slot).start(this::watch);
            cellServer.log().info("replica.started", "slot", slot, "dir", dir.toString(),
                "host", config.host(slot), "port", config.ports.get(slot), "members", config.members.toString(),
                "listeners", config.listeners.toString(),
                "transport", options.transport().name().toLowerCase(java.util.Locale.ROOT),
                "appliedIndex", ledger.appliedIndex());
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(openedForwarder);
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
                promotion.check(division);
                recordMembers(division);
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

    private Collection<RaftPeer> currentPeers()
    {
        try
        {
            return server.getDivision(groupId).getRaftConf().getAllPeers();
        }
        catch (final IOException ex)
        {
            return group.getPeers();
        }
    }

    /**
     * Keep {@code group.properties}' voters and listeners as the group's committed configuration has them (after a
     * promotion or a membership change made elsewhere), so status shows them and a restart starts from them.
     */
    private void recordMembers(final RaftServer.Division division) throws IOException
    {
        final RaftConfiguration conf = division.getRaftConf();
        if (!conf.getPreviousPeers().isEmpty())
        {
            return;
        }
        final List<Integer> voters = slotsOf(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
        final List<Integer> listening = slotsOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        if (voters.isEmpty())
        {
            return; // no configuration loaded yet: never record a group without voters
        }
        if (!voters.equals(lastVoters) || !listening.equals(lastListeners))
        {
            final Map<Integer, String> addresses = new java.util.HashMap<>();
            for (final RaftPeerRole role : new RaftPeerRole[] {RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER})
            {
                for (final RaftPeer p : conf.getCurrentPeers(role))
                {
                    addresses.put(Integer.parseInt(p.getId().toString().substring(1)), p.getAddress());
                }
            }
            GroupConfig.writeMembers(cellDir, voters, listening, addresses);
            lastVoters = voters;
            lastListeners = listening;
        }
    }

    private static List<Integer> slotsOf(final Collection<RaftPeer> peers)
    {
        final List<Integer> slots = new ArrayList<>();
        for (final RaftPeer p : peers)
        {
            slots.add(Integer.parseInt(p.getId().toString().substring(1)));
        }
        Collections.sort(slots);
        return slots;
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
    static Parameters raftParameters(final Path cellDir, final java.util.UUID groupId,
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

    CompletableFuture<RaftClientReply> submitCommand(final Message entry, final long session,
        final boolean deduplicated)
    {
        return forwarder.submitCommand(entry, session, deduplicated);
    }

    CompletableFuture<RaftClientReply> submitQuery(final Message query)
    {
        return forwarder.submitQuery(query);
    }

    /**
     * @return this replica's Raft role now: {@code LEADER}, {@code FOLLOWER}, {@code CANDIDATE} or {@code LISTENER}
     * ({@code STARTING} before its division exists).
     */
    public String role()
    {
        try
        {
            return server.getDivision(groupId).getInfo().getCurrentRole().name();
        }
        catch (final IOException ex)
        {
            return "STARTING";
        }
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
                peers.add(RaftSetup.peer(s, config.host(s), port, false));
            }
            final List<RaftPeer> listeners = new ArrayList<>();
            for (final int l : config.listeners)
            {
                if (!slots.contains(l))
                {
                    listeners.add(RaftSetup.peer(l, config.host(l), config.ports.get(l), true));
                }
            }
            final RaftGroup current = RaftSetup.group(config, config.members, config.listeners);
            final ReplicaOptions.Transport transport = config.spansHosts() ? ReplicaOptions.Transport.GRPC :
                ReplicaOptions.fromSystemProperties(null).transport();
            try (RaftClient admin = RaftSetup.client(current, transport, null,
                raftParameters(cellDir.toAbsolutePath(), config.groupId, transport)))
            {
                final RaftClientReply reply = admin.admin().setConfiguration(peers, listeners);
                if (!reply.isSuccess())
                {
                    throw new IllegalStateException("membership change to " + slots + " refused: " +
                        reply.getException());
                }
            }
            GroupConfig.writeMembers(cellDir.toAbsolutePath(), slots,
                config.listeners.stream().filter(l -> !slots.contains(l)).toList());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("membership change to " + slots + " failed", ex);
        }
    }

    /**
     * Define a group whose members live on several hosts (each with its address and port; voters and listeners) in
     * {@code cellDir}, with new secrets (entry key, TLS key and certificate). Copy it to every other host's cell
     * folder with {@link #copyGroup}, then start each host's replica with its slot. Such a group always runs Ratis
     * over gRPC with mutual TLS.
     *
     * @param cellDir the cell's folder on this host (no group defined yet).
     * @param members the group's members.
     * @throws IllegalStateException when a group is already defined there.
     */
    public static void defineGroup(final Path cellDir, final List<GroupMember> members)
    {
        try
        {
            final Path dir = cellDir.toAbsolutePath().normalize();
            final GroupConfig config = GroupConfig.define(dir, members);
            EntryAuth.loadOrCreateKey(dir);
            GroupConfig.tls(dir, config.groupId);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot define the group under " + cellDir, ex);
        }
    }

    /**
     * @param cellDir a stateful cell's folder.
     * @return the {@code host:port} of each voting member of the group defined there, by slot; empty when none is
     * defined yet.
     */
    public static List<String> definedHosts(final Path cellDir)
    {
        final Path dir = GroupConfig.replicasDir(cellDir.toAbsolutePath().normalize());
        if (!Files.isRegularFile(dir.resolve(GroupConfig.FILE)))
        {
            return List.of();
        }
        try
        {
            final GroupConfig config = GroupConfig.read(dir);
            return config.members.stream().map(slot -> config.host(slot) + ":" + config.ports.get(slot)).toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the group under " + dir, ex);
        }
    }

    /**
     * Copy a defined group (definition and secrets, no replica's data) to another cell folder: how a group reaches
     * another host's copy of the cell. The files are private to their owner there too.
     *
     * @param fromCellDir the folder the group was defined in (or copied to).
     * @param toCellDir   the other folder.
     */
    public static void copyGroup(final Path fromCellDir, final Path toCellDir)
    {
        try
        {
            GroupConfig.copy(fromCellDir.toAbsolutePath().normalize(), toCellDir.toAbsolutePath().normalize());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot copy the group from " + fromCellDir + " to " + toCellDir, ex);
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
        closed = true;
        forwarder.close();
        closeQuietly(server);
        ledger.close();
        lock.close();
    }

    static void closeQuietly(final AutoCloseable c)
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
