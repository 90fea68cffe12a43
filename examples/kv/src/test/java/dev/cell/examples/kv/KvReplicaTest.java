package dev.cell.examples.kv;

import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.CellException;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.ClientSession;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three replicas of the kv cell in this JVM (Ratis over loopback, each replica registered in its own cell home so a
 * client can pick the replica it talks to).
 */
class KvReplicaTest
{
    private final List<Replica> replicas = new ArrayList<>();
    private final List<KvClient> clients = new ArrayList<>();
    private Path root;
    private Path cellDir;

    private Path home(final int slot)
    {
        return root.resolve("home-" + slot);
    }

    private Replica start(final int slot)
    {
        final Replica r = Replica.start(new KvBinding(), cellDir, ReplicaOptions.defaults()
            .withSlot(slot)
            .withSnapshotEvery(0)
            .withServer(ServerOptions.defaults().withCellHome(home(slot)).withInstanceId("kv-r" + slot)));
        replicas.add(r);
        return r;
    }

    private KvClient client(final int slot)
    {
        return client(slot, null);
    }

    private KvClient client(final int slot, final ClientSession session)
    {
        final KvClient c = KvClient.connect(ClientOptions.defaults().withCellHome(home(slot))
            .withCallTimeout(Duration.ofSeconds(20)).withConnectTimeout(Duration.ofSeconds(20)).withSession(session));
        clients.add(c);
        return c;
    }

    private void setUp(final String name) throws IOException
    {
        root = Path.of(System.getProperty("cell.test.tmp", System.getProperty("java.io.tmpdir")))
            .resolve("kv-" + name + "-" + System.nanoTime());
        cellDir = root.resolve("kv");
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 3\n");
        for (int i = 0; i < 3; i++)
        {
            start(i);
        }
        await("a leader", Duration.ofSeconds(30), () -> replicas.stream().anyMatch(Replica::isLeader));
    }

    @AfterEach
    void tearDown() throws IOException
    {
        for (final KvClient c : clients)
        {
            c.close();
        }
        for (final Replica r : replicas)
        {
            r.close();
        }
        if (root != null)
        {
            try (Stream<Path> s = Files.walk(root))
            {
                for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
                {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void awaitSameState(final List<Replica> group)
    {
        await("replicas to converge", Duration.ofSeconds(30), () ->
        {
            final long index = group.getFirst().appliedIndex();
            final String hash = group.getFirst().stateHash();
            return group.stream().allMatch(r -> r.appliedIndex() == index && r.stateHash().equals(hash));
        });
    }

    @Test
    void everyReplicaServesCommandsAndQueriesAndAgrees() throws Exception
    {
        setUp("basic");
        final KvClient[] viaReplica = {client(0), client(1), client(2)};
        final Written first = viaReplica[0].put(new Put("fruit/apple", b("red")));
        assertFalse(first.existed());
        assertTrue(first.version() > 0);
        for (int i = 0; i < 3; i++)
        {
            final Value v = viaReplica[i].get(new Key("fruit/apple"));
            assertTrue(v.found(), "replica " + i);
            assertArrayEquals(b("red"), v.value(), "replica " + i + " sees the write acknowledged before");
            assertEquals(first.version(), v.version());
        }
        viaReplica[1].put(new Put("fruit/banana", b("yellow")));
        viaReplica[2].put(new Put("veg/kale", b("green")));
        final Written swapped = viaReplica[2].compareAndSet(new CompareAndSet("fruit/apple", first.version(),
            b("green")));
        assertArrayEquals(b("red"), swapped.previous());
        final VersionMismatch mismatch = assertThrows(VersionMismatch.class,
            () -> viaReplica[0].compareAndSet(new CompareAndSet("fruit/apple", first.version(), b("blue"))));
        assertEquals(swapped.version(), mismatch.actualVersion());
        final Written deleted = viaReplica[1].delete(new Delete("fruit/banana"));
        assertTrue(deleted.existed());

        final Entries fruit = viaReplica[0].scan(new ScanRange("fruit/", "fruit0", 100));
        assertEquals(1, fruit.entries().size());
        assertEquals("fruit/apple", fruit.entries().getFirst().key());
        assertArrayEquals(b("green"), fruit.entries().getFirst().value());
        assertEquals(2, viaReplica[1].scan(new ScanRange("", "", 100)).entries().size());

        final Changes changes = viaReplica[2].changes(new Watch("fruit/", 0, 100));
        final List<String> seen = new ArrayList<>();
        for (final Change c : changes.changes())
        {
            seen.add(c.key() + (c.deleted() ? " deleted" : "=" + new String(c.value(), StandardCharsets.UTF_8)));
        }
        assertEquals(List.of("fruit/apple=red", "fruit/banana=yellow", "fruit/apple=green", "fruit/banana deleted"),
            seen, "the failed compare-and-set is not a change; the kale is not under fruit/");
        final Changes none = viaReplica[0].changes(new Watch("fruit/", changes.lastIndex(), 100));
        assertEquals(List.of(), none.changes());

        awaitSameState(replicas);
        final Status s0 = viaReplica[0].status(new Nothing());
        final Status s2 = viaReplica[2].status(new Nothing());
        assertEquals(s0.stateHash(), s2.stateHash());
        assertEquals(2, s0.keys());

        final CellException.HandlerFailed bad = assertThrows(CellException.HandlerFailed.class,
            () -> viaReplica[1].put(new Put("", b("x"))));
        assertTrue(bad.getMessage().contains("key is empty"), bad.getMessage());
    }

    @Test
    void aRetriedCallAppliesOnceAlsoThroughAnotherReplica() throws Exception
    {
        setUp("once");
        final ClientSession session = ClientSession.create();
        final KvClient a = client(0, session);
        final KvClient b = client(2, session);
        final long first = session.nextSequence();
        final Written w1 = session.withSequence(first, () -> a.put(new Put("k", b("first"))));
        final Written w2 = a.put(new Put("k", b("second")));
        // A client that did not see w1's acknowledgement retries it, through another replica, under its sequence.
        final Written retried = session.withSequence(first, () -> b.put(new Put("k", b("first"))));
        assertEquals(w1.version(), retried.version(), "the retry gets the first reply");
        assertFalse(retried.existed(), "the first reply: the key did not exist before");
        final Value v = b.get(new Key("k"));
        assertArrayEquals(b("second"), v.value(), "the retry did not apply again");
        assertEquals(w2.version(), v.version());
        final Changes changes = a.changes(new Watch("k", 0, 100));
        assertEquals(2, changes.changes().size(), "the journal marks the retry as not applied: no change");
        awaitSameState(replicas);
    }

    @Test
    void clientsWhoseSequencesCollideBothApply() throws Exception
    {
        setUp("collide");
        final ClientSession one = ClientSession.create();
        final ClientSession two = ClientSession.create();
        final KvClient a = client(0, one);
        final KvClient b = client(1, two);
        // Both sessions number their calls from 1: the old request-id dedupe acknowledged both and lost the second.
        final Written wa = one.withSequence(one.nextSequence(), () -> a.put(new Put("alpha", b("a"))));
        final Written wb = two.withSequence(two.nextSequence(), () -> b.put(new Put("beta", b("b"))));
        assertTrue(wb.version() > wa.version());
        for (final KvClient c : List.of(a, b))
        {
            assertArrayEquals(b("a"), c.get(new Key("alpha")).value());
            assertArrayEquals(b("b"), c.get(new Key("beta")).value());
        }
        awaitSameState(replicas);
    }

    @Test
    void aRetryOlderThanTheRetainedRepliesIsRefused() throws Exception
    {
        setUp("retained");
        final ClientSession session = ClientSession.create();
        final KvClient c = client(1, session);
        final long first = session.nextSequence();
        session.withSequence(first, () -> c.put(new Put("r", b("0"))));
        final List<CompletableFuture<Written>> pending = new ArrayList<>();
        for (int i = 1; i <= 300; i++)
        {
            pending.add(c.putAsync(new Put("r-" + (i % 7), b("v" + i))));
        }
        for (final CompletableFuture<Written> f : pending)
        {
            f.get(30, TimeUnit.SECONDS);
        }
        final long before = c.status(new Nothing()).appliedIndex();
        final CellException.Rejected refused = assertThrows(CellException.Rejected.class,
            () -> session.withSequence(first, () -> c.put(new Put("r", b("again")))));
        assertTrue(refused.getMessage().contains("older than the last 256 calls"), refused.getMessage());
        assertArrayEquals(b("0"), c.get(new Key("r")).value(), "never applied twice");
        awaitSameState(replicas);
        assertTrue(replicas.getFirst().appliedIndex() > before, "the refusal was decided in the log");
    }

    @Test
    void aReplicaRestoredFromASnapshotAndTheJournalReachesTheSameState() throws Exception
    {
        setUp("snapshot");
        final KvClient c = client(0);
        for (int i = 0; i < 200; i++)
        {
            c.put(new Put("key-" + (i % 37), b("v" + i)));
        }
        awaitSameState(replicas);
        final Replica third = replicas.get(2);
        final long snapshotIndex = third.takeSnapshot();
        assertTrue(snapshotIndex > 0);
        for (int i = 0; i < 100; i++)
        {
            c.put(new Put("later-" + (i % 11), b("w" + i)));
        }
        awaitSameState(replicas);
        final String expected = replicas.getFirst().stateHash();
        final Path stateDir = third.dir().resolve("ledger").resolve("state");
        third.close();
        replicas.remove(third);
        // Lose the live state: the replica must come back from its snapshot plus its journal.
        try (Stream<Path> s = Files.walk(stateDir))
        {
            for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
        final Replica back = start(2);
        assertEquals(snapshotIndex, back.snapshotIndex());
        awaitSameState(replicas);
        assertEquals(expected, back.stateHash());
    }

    @Test
    void membershipChangesAddAndRemoveAReplica() throws Exception
    {
        setUp("members");
        final KvClient c = client(0);
        for (int i = 0; i < 50; i++)
        {
            c.put(new Put("m-" + i, b("v" + i)));
        }
        final int slot = Replica.addSlot(cellDir);
        assertEquals(3, slot);
        final Replica fourth = start(slot);
        Replica.changeMembers(cellDir, List.of(0, 1, 2, 3));
        c.put(new Put("after-add", b("x")));
        awaitSameState(replicas);
        assertEquals(replicas.getFirst().stateHash(), fourth.stateHash());
        final KvClient viaNew = client(3);
        assertArrayEquals(b("x"), viaNew.get(new Key("after-add")).value());

        Replica.changeMembers(cellDir, List.of(0, 1, 3));
        final Replica removed = replicas.get(2);
        removed.close();
        replicas.remove(removed);
        c.put(new Put("after-remove", b("y")));
        assertArrayEquals(b("y"), viaNew.get(new Key("after-remove")).value());
    }
}
