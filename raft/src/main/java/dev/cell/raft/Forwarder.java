package dev.cell.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * How one replica hands the requests its instance takes to the group: commands into its own Ratis server while it
 * leads, else through forwarding Raft clients; linearizable reads through reader clients addressed to the leader,
 * retried by the replica itself across elections. Replaces a client whose ordered window Ratis closed after a
 * failure.
 */
final class Forwarder implements AutoCloseable
{
    private static final long LOCAL_TIMEOUT_MS = 3_000;
    /** How long a read keeps asking while the group elects a leader (the forwarding clients' own budget is 15 s). */
    private static final long QUERY_RETRY_MS = 15_000;
    private static final long QUERY_RETRY_PAUSE_MS = 50;

    private final RaftServer server;
    private final RaftGroup group;
    private final RaftGroupId groupId;
    private final RaftPeerId self;
    private final ReplicaOptions options;
    private final Parameters raftParameters;
    private final Object clientLock = new Object();
    private final AtomicReferenceArray<RaftClient> clients;
    private final AtomicReferenceArray<RaftClient> readers;
    private final AtomicLong nextQueryClient = new AtomicLong();
    private final ClientId localClientId = ClientId.randomId();
    private final AtomicLong localCallIds = new AtomicLong();
    private volatile RaftServer.Division division;
    private volatile boolean closed;

    /**
     * Open {@link ReplicaOptions#forwardClients()} forwarding and as many reader clients.
     */
    Forwarder(final RaftServer server, final RaftGroup group, final RaftPeerId self, final ReplicaOptions options,
        final Parameters raftParameters)
    {
        this.server = server;
        this.group = group;
        this.groupId = group.getGroupId();
        this.self = self;
        this.options = options;
        this.raftParameters = raftParameters;
        this.clients = new AtomicReferenceArray<>(options.forwardClients());
        this.readers = new AtomicReferenceArray<>(options.forwardClients());
        try
        {
            for (int i = 0; i < clients.length(); i++)
            {
                clients.set(i, RaftSetup.client(group, options.transport(), null, raftParameters));
                readers.set(i, RaftSetup.reader(group, options.transport(), raftParameters));
            }
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
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
            final RaftClientRequest request = RaftSetup.localRequest(localClientId, self, groupId,
                localCallIds.incrementAndGet(), message, type);
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
                answer.completeExceptionally(new RaftException(self + "@" + groupId + ": no leader was known within " +
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
        final Throwable error, final Supplier<RaftClient> fresh)
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
        Thread.ofVirtual().name("raft-client-close").start(() -> Replica.closeQuietly(failed));
    }

    @Override
    public void close()
    {
        synchronized (clientLock)
        {
            closed = true;
        }
        for (int i = 0; i < clients.length(); i++)
        {
            Replica.closeQuietly(clients.get(i));
            Replica.closeQuietly(readers.get(i));
        }
    }
}
