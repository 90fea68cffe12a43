package dev.cell.perf.state;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.archive.Archive;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.client.AeronArchive;
import io.aeron.cluster.ClusteredMediaDriver;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NoOpLock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An Aeron Cluster of three members in this JVM — each a media driver, an archive, a consensus module and a
 * clustered service that answers every command — and one client with its own media driver: the peer the state
 * benchmark puts next to Ratis. The members sync like the Ratis rows: the archive forces every write of the log
 * ({@code fileSyncLevel = 1}) before its recorded position moves, and the consensus module commits at the position a
 * majority of members have recorded, so a command is answered only after a majority fdatasync'ed it.
 * <p>
 * On two cores the documented low-latency setup (dedicated threads, busy spinning) does not fit: it needs a core per
 * spinning agent and there are thirteen agents. The drivers and archives run SHARED (one agent thread each) and
 * every agent idles with the same {@link Idle}, printed with the row. A group is launched for one row and closed
 * after it, so its agents take no CPU from the other rows. Not thread-safe: {@link #send} is for one caller thread;
 * {@link #sendAsync} hands commands to one pumping thread that owns the client from then on.
 */
public final class AeronClusterGroup implements AutoCloseable
{
    private static final String DURABILITY = "acknowledged once a majority of members' archives fdatasync'ed the " +
        "log: archive fileSyncLevel=1 (write + FileChannel.force(false) before the recorded position moves), " +
        "catalogFileSyncLevel=1, consensus module fileSyncLevel=1; commit position = the position a " +
        "majority recorded; drivers and archives SHARED threading; agents idle with ";

    private static final int MEMBERS = 3;
    private static final int PORTS_PER_MEMBER = 5; // ingress, consensus, log, catch-up, archive control
    private static final AtomicInteger LAUNCHES = new AtomicInteger();
    private static final long LEADER_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long REPLY_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private final Path dir;
    private final Idle idle;
    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Echo[] services = new Echo[MEMBERS];
    private final MediaDriver clientDriver;
    private final AeronCluster client;
    private final UnsafeBuffer out = new UnsafeBuffer(new byte[64]);
    private final Long2ObjectHashMap<CompletableFuture<Void>> pending = new Long2ObjectHashMap<>();
    private final ManyToOneConcurrentArrayQueue<Request> requests = new ManyToOneConcurrentArrayQueue<>(4096);
    private long lastReply = -1;
    private long nextId;
    private volatile boolean pumping;
    private Thread pump;

    private record Request(long id, byte[] command, CompletableFuture<Void> done)
    {
    }

    /**
     * Launches the three members under {@code parent} (the same disk as the Ratis rows), waits for a leader and
     * connects the client.
     *
     * @param parent folder for the members' archives and cluster folders.
     * @param idle   how its agents wait.
     * @throws IOException when a folder cannot be made.
     */
    public AeronClusterGroup(final Path parent, final Idle idle) throws IOException
    {
        this.idle = idle;
        final int launch = LAUNCHES.incrementAndGet();
        dir = Files.createDirectories(parent.resolve("aeron-cluster-" + launch));
        final Path shmDir = Path.of("/dev/shm"); // the drivers' log buffers: in memory where the system has it
        final String shm = (Files.isDirectory(shmDir) && Files.isWritable(shmDir) ? shmDir : dir)
            .resolve("cell-aeron-cluster-" + ProcessHandle.current().pid() + "-" + launch + "-").toString();
        final int base = freePortBase();
        final StringBuilder members = new StringBuilder();
        final StringBuilder ingress = new StringBuilder();
        for (int m = 0; m < MEMBERS; m++)
        {
            final int p = base + m * PORTS_PER_MEMBER;
            members.append(m).append(",localhost:").append(p).append(",localhost:").append(p + 1)
                .append(",localhost:").append(p + 2).append(",localhost:").append(p + 3).append(",localhost:").append(p + 4)
                .append('|');
            ingress.append(m == 0 ? "" : ",").append(m).append("=localhost:").append(p);
        }
        try
        {
            for (int m = 0; m < MEMBERS; m++)
            {
                services[m] = new Echo();
                startMember(m, base + m * PORTS_PER_MEMBER, members.toString(), shm + m);
            }
            awaitLeader();
            clientDriver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(shm + "client")
                .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(idle.strategy()).dirDeleteOnStart(true)
                .dirDeleteOnShutdown(true));
            client = AeronCluster.connect(new AeronCluster.Context().aeronDirectoryName(shm + "client")
                .ingressChannel("aeron:udp").ingressEndpoints(ingress.toString())
                .egressChannel("aeron:udp?endpoint=localhost:0").egressListener(this::onReply)
                .messageTimeoutNs(TimeUnit.SECONDS.toNanos(30)));
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    private void startMember(final int m, final int port, final String members, final String aeronDir)
    {
        final Path home = dir.resolve("member-" + m);
        final String localControl = "aeron:ipc?term-length=64k";
        final Archive.Context archive = new Archive.Context().aeronDirectoryName(aeronDir)
            .archiveDir(home.resolve("archive").toFile()).deleteArchiveOnStart(true)
            .controlChannel("aeron:udp?endpoint=localhost:" + (port + 4)).localControlChannel(localControl)
            .replicationChannel("aeron:udp?endpoint=localhost:0").recordingEventsEnabled(false)
            .archiveClientContext(new AeronArchive.Context().controlResponseChannel("aeron:udp?endpoint=localhost:0"))
            .threadingMode(ArchiveThreadingMode.SHARED).idleStrategySupplier(idle::strategy)
            .fileSyncLevel(1).catalogFileSyncLevel(1).archiveId(m);
        final Supplier<AeronArchive.Context> archiveClient = () -> new AeronArchive.Context().lock(NoOpLock.INSTANCE)
            .aeronDirectoryName(aeronDir).controlRequestChannel(localControl)
            .controlRequestStreamId(archive.localControlStreamId()).controlResponseChannel(localControl);
        final ConsensusModule.Context consensus = new ConsensusModule.Context().aeronDirectoryName(aeronDir)
            .clusterMemberId(m).clusterMembers(members).clusterDir(home.resolve("cluster").toFile())
            .deleteDirOnStart(true).ingressChannel("aeron:udp").logChannel("aeron:udp?term-length=16m")
            .replicationChannel("aeron:udp?endpoint=localhost:0").archiveContext(archiveClient.get())
            .serviceCount(1).fileSyncLevel(1).idleStrategySupplier(idle::strategy);
        parts.add(0, ClusteredMediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(aeronDir)
            .threadingMode(ThreadingMode.SHARED).sharedIdleStrategy(idle.strategy()).dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true), archive, consensus));
        parts.add(0, ClusteredServiceContainer.launch(new ClusteredServiceContainer.Context()
            .aeronDirectoryName(aeronDir).archiveContext(archiveClient.get()).clusterDir(home.resolve("cluster")
                .toFile()).clusteredService(services[m]).idleStrategySupplier(idle::strategy)));
    }

    /**
     * How every agent of a group (and its client) waits when it has no work.
     */
    public enum Idle
    {
        /**
         * Backs off from spinning to yielding to parking, 1 µs doubling to at most 100 µs: the most a core-sharing
         * deployment would give it.
         */
        BACKOFF("BackoffIdleStrategy(spins 10, yields 20, park 1 us .. 100 us)"),
        /**
         * Never parks: {@code Thread.yield()} between polls, the nearest to the documented busy-spinning setup that
         * two cores allow; it keeps both cores busy.
         */
        YIELD("YieldingIdleStrategy (never parks: both cores busy)");

        private final String what;

        Idle(final String what)
        {
            this.what = what;
        }

        IdleStrategy strategy()
        {
            return this == YIELD ? new YieldingIdleStrategy() :
                new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MICROSECONDS.toNanos(100));
        }

        /**
         * @return the durability and settings the row prints.
         */
        public String durability()
        {
            return DURABILITY + what;
        }
    }

    private void awaitLeader()
    {
        final long deadline = System.nanoTime() + LEADER_TIMEOUT_NS;
        final IdleStrategy wait = idle.strategy();
        while (leader() < 0)
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("the Aeron Cluster elected no leader in 60 s");
            }
            wait.idle();
        }
    }

    /**
     * @return the member whose service is the leader, or -1 while there is none.
     */
    public int leader()
    {
        for (int m = 0; m < MEMBERS; m++)
        {
            if (services[m].role == Cluster.Role.LEADER)
            {
                return m;
            }
        }
        return -1;
    }

    /**
     * One command, from the calling thread, answered once committed and applied.
     *
     * @param command the command's bytes (8 or more: its first 8 bytes carry the correlation).
     */
    public void send(final byte[] command)
    {
        if (pump != null)
        {
            throw new IllegalStateException("the client is owned by its pumping thread");
        }
        final long id = ++nextId;
        final IdleStrategy wait = idle.strategy();
        while (!offer(id, command))
        {
            wait.idle(client.pollEgress());
        }
        wait.reset();
        final long deadline = System.nanoTime() + REPLY_TIMEOUT_NS;
        while (lastReply != id)
        {
            if (System.nanoTime() > deadline)
            {
                throw new IllegalStateException("no reply to command " + id + " in 30 s");
            }
            wait.idle(client.pollEgress());
        }
    }

    /**
     * One command through the pumping thread (started by the first call).
     *
     * @param command the command's bytes.
     * @return completes once the command is committed and applied.
     */
    public CompletableFuture<Void> sendAsync(final byte[] command)
    {
        if (pump == null)
        {
            pumping = true;
            pump = new Thread(this::pump, "aeron-cluster-bench-client");
            pump.setDaemon(true);
            pump.start();
        }
        final CompletableFuture<Void> done = new CompletableFuture<>();
        if (!requests.offer(new Request(++nextId, command, done)))
        {
            done.completeExceptionally(new IllegalStateException("more than 4,096 commands queued"));
        }
        return done;
    }

    private void pump()
    {
        final IdleStrategy wait = idle.strategy();
        Request held = null;
        while (pumping)
        {
            int work = client.pollEgress();
            if (held == null)
            {
                held = requests.poll();
            }
            while (held != null)
            {
                pending.put(held.id(), held.done());
                if (!offer(held.id(), held.command()))
                {
                    pending.remove(held.id());
                    break; // back-pressured: try again after the next poll
                }
                work++;
                held = requests.poll();
            }
            wait.idle(work);
        }
    }

    private boolean offer(final long id, final byte[] command)
    {
        out.putBytes(0, command);
        out.putLong(0, id);
        return client.offer(out, 0, command.length) > 0;
    }

    private void onReply(final long sessionId, final long timestamp, final DirectBuffer buffer, final int offset,
        final int length, final Header header)
    {
        final long id = buffer.getLong(offset);
        lastReply = id;
        final CompletableFuture<Void> done = pending.remove(id);
        if (done != null)
        {
            done.complete(null);
        }
    }

    @Override
    public void close()
    {
        pumping = false;
        if (pump != null)
        {
            try
            {
                pump.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        CloseHelper.quietClose(client);
        CloseHelper.quietClose(clientDriver);
        for (final AutoCloseable c : parts) // services first, then the drivers (added at the front)
        {
            CloseHelper.quietClose(c);
        }
        try (var s = Files.walk(dir))
        {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException | UncheckedIOException ignore)
        {
            // Best effort: it is under the benchmark's temporary folder.
        }
    }

    /**
     * A base port with {@code MEMBERS × PORTS_PER_MEMBER} free UDP ports above it on loopback.
     */
    private static int freePortBase()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            final int base = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
            boolean free = true;
            for (int p = base; p < base + MEMBERS * PORTS_PER_MEMBER && free; p++)
            {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), p)))
                {
                    free = s.getLocalPort() == p;
                }
                catch (final IOException ex)
                {
                    free = false;
                }
            }
            if (free)
            {
                return base;
            }
        }
        throw new IllegalStateException("no free range of UDP ports on loopback");
    }

    /**
     * The clustered service: answers every command to its session with the same bytes, once applied.
     */
    private static final class Echo implements ClusteredService
    {
        private final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(64);
        private volatile Cluster.Role role = Cluster.Role.FOLLOWER;
        private IdleStrategy wait;

        @Override
        public void onStart(final Cluster cluster, final Image snapshotImage)
        {
            wait = cluster.idleStrategy();
        }

        @Override
        public void onSessionOpen(final ClientSession session, final long timestamp)
        {
        }

        @Override
        public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
        {
        }

        @Override
        public void onSessionMessage(final ClientSession session, final long timestamp, final DirectBuffer buffer,
            final int offset, final int length, final Header header)
        {
            if (role != Cluster.Role.LEADER)
            {
                return; // a follower's session offers nothing; only the leader answers
            }
            reply.putBytes(0, buffer, offset, length);
            wait.reset();
            for (int attempt = 0; attempt < 1000 && session.offer(reply, 0, length) < 0; attempt++)
            {
                wait.idle();
            }
        }

        @Override
        public void onTimerEvent(final long correlationId, final long timestamp)
        {
        }

        @Override
        public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
        {
        }

        @Override
        public void onRoleChange(final Cluster.Role newRole)
        {
            role = newRole;
        }

        @Override
        public void onTerminate(final Cluster cluster)
        {
        }
    }
}
