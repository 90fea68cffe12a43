package dev.cell.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A plain Ratis group with a trivial state machine (it counts entries), configured exactly as {@link Replica}s are
 * ({@link RaftSetup}): the baseline the benchmark measures stateful cells against. Benchmark support; no Ratis type in
 * its API.
 *
 * @since 0.1
 */
public final class PlainRatisBaseline implements AutoCloseable
{
    private final List<RaftServer> servers = new ArrayList<>();
    private final RaftClient client;
    private final RaftGroup group;
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong localCallIds = new AtomicLong();
    private volatile RaftServer leader;

    /**
     * Start {@code replicas} servers in this JVM under {@code dir} and a client.
     *
     * @param dir       a fresh folder.
     * @param replicas  group size.
     * @param transport Ratis' transport.
     */
    public PlainRatisBaseline(final Path dir, final int replicas, final ReplicaOptions.Transport transport)
    {
        this(dir, replicas, transport, Map.of());
    }

    /**
     * Start {@code replicas} servers in this JVM under {@code dir} and a client, with Ratis properties set over the
     * replicas' settings (tuning experiments, e.g. {@code raft.server.log.unsafe-flush.enabled = true}).
     *
     * @param dir        a fresh folder.
     * @param replicas   group size.
     * @param transport  Ratis' transport.
     * @param properties Ratis properties set last.
     */
    public PlainRatisBaseline(final Path dir, final int replicas, final ReplicaOptions.Transport transport,
        final Map<String, String> properties)
    {
        try
        {
            final Map<Integer, Integer> ports = new TreeMap<>();
            final List<Integer> members = new ArrayList<>();
            for (int i = 0; i < replicas; i++)
            {
                ports.put(i, GroupConfig.freePort());
                members.add(i);
            }
            group = RaftSetup.group(UUID.randomUUID(), ports, members);
            for (int i = 0; i < replicas; i++)
            {
                final Path storage = dir.resolve("plain-" + i);
                Files.createDirectories(storage);
                final RaftServer server = RaftServer.newBuilder()
                    .setServerId(RaftSetup.peerId(i))
                    .setGroup(group)
                    .setStateMachine(new Counter())
                    .setProperties(RaftSetup.serverProperties(storage.toFile(), GroupConfig.LOOPBACK, ports.get(i), transport,
                        ReplicaOptions.defaults().electionMs(), 0, ReplicaOptions.defaults().logPreserve(),
                        properties))
                    .setOption(RaftStorage.StartupOption.FORMAT)
                    .build();
                server.start();
                servers.add(server);
            }
            client = RaftSetup.client(group, transport, null, null);
        }
        catch (final IOException ex)
        {
            close();
            throw new UncheckedIOException("cannot start the plain Ratis group in " + dir, ex);
        }
    }

    /**
     * @return the Ratis settings this project changes from Ratis' defaults for speed (none weakens durability; see
     * perf/README.md), as Ratis names them.
     */
    public static Map<String, String> tunedProperties()
    {
        return new TreeMap<>(RaftSetup.TUNED);
    }

    /**
     * Commit one entry and wait for it.
     *
     * @param payload the entry.
     */
    public void send(final byte[] payload)
    {
        // The async API, joined: the same client path a replica forwards commands through.
        final RaftClientReply reply = client.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(payload)))
            .join();
        if (!reply.isSuccess())
        {
            throw new IllegalStateException("not committed: " + reply.getException());
        }
    }

    /**
     * Commit one entry asynchronously.
     *
     * @param payload the entry.
     * @return completes when it is committed and applied.
     */
    public CompletableFuture<Void> sendAsync(final byte[] payload)
    {
        return client.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(payload)))
            .thenAccept(reply ->
            {
                if (!reply.isSuccess())
                {
                    throw new IllegalStateException("not committed: " + reply.getException());
                }
            });
    }

    /**
     * Commit one entry by submitting it straight into the leader's server in this JVM (no client, no RPC to the
     * leader: what a replica that leads does with its commands), asynchronously.
     *
     * @param payload the entry.
     * @return completes when it is committed and applied.
     */
    public CompletableFuture<Void> submitToLeaderAsync(final byte[] payload)
    {
        final RaftServer l = leader();
        final RaftClientRequest request = RaftSetup.localRequest(localClientId, l.getId(), group.getGroupId(),
            localCallIds.incrementAndGet(), Message.valueOf(UnsafeByteOperations.unsafeWrap(payload)),
            RaftClientRequest.writeRequestType());
        try
        {
            return l.submitClientRequestAsync(request).thenAccept(reply ->
            {
                if (!reply.isSuccess())
                {
                    leader = null;
                    throw new IllegalStateException("not committed: " + reply.getException());
                }
            });
        }
        catch (final IOException ex)
        {
            leader = null;
            return CompletableFuture.failedFuture(ex);
        }
    }

    /**
     * Commit one entry through the leader's server in this JVM and wait for it.
     *
     * @param payload the entry.
     */
    public void submitToLeader(final byte[] payload)
    {
        submitToLeaderAsync(payload).join();
    }

    /**
     * @return the leader's Ratis member name ({@code r0@group-…}, as in Ratis' logs and metrics).
     */
    public String leaderMember()
    {
        return leader().getId() + "@" + group.getGroupId();
    }

    /**
     * @return every member's Ratis name, the leader's first.
     */
    public List<String> members()
    {
        final List<String> names = new ArrayList<>();
        names.add(leaderMember());
        for (final RaftServer s : servers)
        {
            final String name = s.getId() + "@" + group.getGroupId();
            if (!names.contains(name))
            {
                names.add(name);
            }
        }
        return names;
    }

    private RaftServer leader()
    {
        final RaftServer known = leader;
        if (known != null)
        {
            return known;
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline)
        {
            for (final RaftServer s : servers)
            {
                try
                {
                    final RaftServer.Division d = s.getDivision(group.getGroupId());
                    if (d.getInfo().isLeader() && d.getInfo().isLeaderReady())
                    {
                        leader = s;
                        return s;
                    }
                }
                catch (final IOException ignore)
                {
                    // not started yet
                }
            }
            LockSupport.parkNanos(10_000_000L);
        }
        throw new IllegalStateException("the plain group has no ready leader within 30 s");
    }

    @Override
    public void close()
    {
        for (final AutoCloseable c : servers)
        {
            try
            {
                c.close();
            }
            catch (final Exception ignore)
            {
                // Benchmark teardown.
            }
        }
        if (client != null)
        {
            try
            {
                client.close();
            }
            catch (final IOException ignore)
            {
                // Benchmark teardown.
            }
        }
    }

    private static final class Counter extends BaseStateMachine
    {
        private long applied;

        @Override
        public CompletableFuture<Message> applyTransaction(final TransactionContext trx)
        {
            applied++;
            updateLastAppliedTermIndex(trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
    }
}
