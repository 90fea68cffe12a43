package dev.cell.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
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

    /**
     * Start {@code replicas} servers in this JVM under {@code dir} and a client.
     *
     * @param dir       a fresh folder.
     * @param replicas  group size.
     * @param transport Ratis' transport.
     */
    public PlainRatisBaseline(final Path dir, final int replicas, final ReplicaOptions.Transport transport)
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
            final RaftGroup group = RaftSetup.group(UUID.randomUUID(), ports, members);
            for (int i = 0; i < replicas; i++)
            {
                final Path storage = dir.resolve("plain-" + i);
                Files.createDirectories(storage);
                final RaftServer server = RaftServer.newBuilder()
                    .setServerId(RaftSetup.peerId(i))
                    .setGroup(group)
                    .setStateMachine(new Counter())
                    .setProperties(RaftSetup.serverProperties(storage.toFile(), ports.get(i), transport,
                        ReplicaOptions.defaults().electionMs(), 0, ReplicaOptions.defaults().logPreserve(),
                        java.util.Map.of()))
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
