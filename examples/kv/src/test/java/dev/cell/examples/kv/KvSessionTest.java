package dev.cell.examples.kv;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.ClientSession;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exactly once per client session with every replica in its own JVM: a call retried through another replica after
 * the leader was killed applies once (also one whose first try was in flight when the leader died), and a retry
 * later than the group's session window is refused ({@code Rejected}) instead of applying twice.
 */
class KvSessionTest
{
    private static final List<String> FAST = List.of("-Dcell.raft.election.ms=300", "-Dcell.raft.snapshot.every=0");

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static KvClient[] connect(final KvCluster cluster, final ClientSession session)
    {
        final KvClient[] clients = new KvClient[KvCluster.REPLICAS];
        for (int i = 0; i < KvCluster.REPLICAS; i++)
        {
            clients[i] = KvClient.connect(cluster.clientOptions(i).withSession(session));
        }
        return clients;
    }

    private static void closeAll(final KvClient[] clients)
    {
        for (final KvClient c : clients)
        {
            if (c != null)
            {
                c.close();
            }
        }
    }

    /**
     * Retry until the group answers (it has no leader for a moment after a kill); a refusal is an answer.
     */
    private static <T> T untilAnswered(final Supplier<T> call)
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true)
        {
            try
            {
                return call.get();
            }
            catch (final CellException.Unavailable | CellException.DeadlineExceeded ex)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new AssertionError("no answer within 60 s: " + ex.getMessage(), ex);
                }
                LockSupport.parkNanos(100_000_000L);
            }
        }
    }

    private static long changes(final KvClient c, final String key)
    {
        return untilAnswered(() -> c.changes(new Watch(key, 0, 1000))).changes().stream()
            .filter(ch -> ch.key().equals(key)).count();
    }

    private static void awaitEqualStates(final KvCluster cluster)
    {
        KvCluster.await("equal state hashes on every replica", Duration.ofSeconds(60), () ->
        {
            final List<Status> statuses = new ArrayList<>();
            for (int i = 0; i < KvCluster.REPLICAS; i++)
            {
                try (KvClient c = KvClient.connect(cluster.clientOptions(i)))
                {
                    statuses.add(c.status(new Nothing()));
                }
                catch (final RuntimeException ex)
                {
                    return false;
                }
            }
            return statuses.stream().allMatch(s -> s.appliedIndex() == statuses.getFirst().appliedIndex() &&
                s.stateHash().equals(statuses.getFirst().stateHash()));
        });
    }

    @Test
    void aCallRetriedAfterALeaderKillThroughAnotherReplicaAppliesOnce() throws Exception
    {
        try (KvCluster cluster = new KvCluster("session-kill", FAST))
        {
            cluster.startAll();
            final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
            final int other = (leader + 1) % KvCluster.REPLICAS;
            final ClientSession session = ClientSession.create();
            final KvClient[] via = connect(cluster, session);
            try
            {
                final long acked = session.nextSequence();
                final Written first = untilAnswered(() ->
                    session.withSequence(acked, () -> via[leader].put(new Put("acked", b("1")))));
                untilAnswered(() -> via[leader].put(new Put("acked", b("2"))));
                // A call in flight when the leader dies: it may or may not have been committed.
                final long inFlight = session.nextSequence();
                final CompletableFuture<Written> lost = session.withSequence(inFlight,
                    () -> via[leader].putAsync(new Put("inflight", b("x"))));
                cluster.kill9(leader);
                lost.handle((w, e) -> null);

                final Written retried = untilAnswered(() ->
                    session.withSequence(acked, () -> via[other].put(new Put("acked", b("1")))));
                assertEquals(first.version(), retried.version(), "the retry gets the first reply");
                assertFalse(retried.existed(), "the first reply: the key did not exist before");
                untilAnswered(() -> session.withSequence(inFlight, () -> via[other].put(new Put("inflight", b("x")))));

                assertArrayEquals(b("2"), untilAnswered(() -> via[other].get(new Key("acked"))).value(),
                    "the retry did not overwrite the later write");
                assertEquals(2, changes(via[other], "acked"), "two writes of 'acked', the retry not among them");
                assertEquals(1, changes(via[other], "inflight"), "the call in flight at the kill applied once");

                cluster.start(leader);
                cluster.awaitRegistered(leader);
                awaitEqualStates(cluster);
            }
            finally
            {
                closeAll(via);
            }
        }
    }

    @Test
    void aRetryPastTheSessionWindowIsRefusedAndNeverAppliesTwice() throws Exception
    {
        final List<String> props = new ArrayList<>(FAST);
        props.add("-Dcell.raft.session.window.ms=2000");
        try (KvCluster cluster = new KvCluster("session-window", props))
        {
            cluster.startAll();
            cluster.awaitLeader(Duration.ofSeconds(60));
            // Renewed after 500 ms idle: well inside the 2 s window, as the default 60 s is inside 10 minutes.
            final ClientSession late = ClientSession.create(500);
            final ClientSession other = ClientSession.create(500);
            final KvClient[] via = connect(cluster, late);
            final KvClient[] otherVia = connect(cluster, other);
            try
            {
                final long sequence = late.nextSequence();
                untilAnswered(() -> late.withSequence(sequence, () -> via[0].put(new Put("late", b("first")))));
                final long acknowledgedAt = System.currentTimeMillis();
                KvCluster.await("the 2 s session window to pass", Duration.ofSeconds(10),
                    () -> System.currentTimeMillis() > acknowledgedAt + 2_500);

                // The session is still in the table, but its last call is older than the window.
                final CellException.Rejected expired = assertThrows(CellException.Rejected.class, () ->
                    untilAnswered(() -> late.withSequence(sequence, () -> via[1].put(new Put("late", b("first"))))));
                assertTrue(expired.getMessage().contains("expired"), expired.getMessage());

                untilAnswered(() -> otherVia[2].put(new Put("late", b("second"))));
                // By now the session was deleted: an unknown session created before the window is refused too.
                final CellException.Rejected unknown = assertThrows(CellException.Rejected.class, () ->
                    untilAnswered(() -> late.withSequence(sequence, () -> via[2].put(new Put("late", b("first"))))));
                assertTrue(unknown.getMessage().contains("expired"), unknown.getMessage());

                assertArrayEquals(b("second"), untilAnswered(() -> via[0].get(new Key("late"))).value(),
                    "the late retries did not apply");
                assertEquals(2, changes(via[0], "late"), "the first write and the other client's, nothing more");
                // A new call after the idle time starts a new session and applies.
                untilAnswered(() -> via[1].put(new Put("late", b("third"))));
                assertArrayEquals(b("third"), untilAnswered(() -> via[0].get(new Key("late"))).value());
                awaitEqualStates(cluster);
            }
            finally
            {
                closeAll(via);
                closeAll(otherVia);
            }
        }
    }
}
