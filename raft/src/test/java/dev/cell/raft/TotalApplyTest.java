package dev.cell.raft;

import dev.cell.raft.fragile.Boom;
import dev.cell.raft.fragile.Fragile;
import dev.cell.raft.fragile.FragileBinding;
import dev.cell.raft.fragile.FragileClient;
import dev.cell.raft.fragile.Name;
import dev.cell.raft.fragile.Note;
import dev.cell.runtime.CellException;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.ClientSession;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.ServerOptions;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three replicas of the test cell {@link Fragile} in this JVM: a handler that throws while applying — an
 * {@code OutOfMemoryError}, a {@code StackOverflowError}, an {@code AssertionError}, a runtime exception — gives the
 * caller {@code HandlerFailed}, leaves equal state hashes (its writes discarded everywhere), is answered from the
 * session table when retried, and is applied the same way again when a replica rebuilds its state from its journal;
 * the group keeps serving. The leader refuses entries that are not commands of the cell before they enter the log.
 */
class TotalApplyTest
{
    private final List<Replica> replicas = new ArrayList<>();
    private final List<FragileClient> clients = new ArrayList<>();
    private Path root;
    private Path cellDir;

    private Path home(final int slot)
    {
        return root.resolve("home-" + slot);
    }

    private Replica start(final int slot)
    {
        final Replica r = Replica.start(new FragileBinding(), cellDir, ReplicaOptions.defaults()
            .withSlot(slot)
            .withSnapshotEvery(0)
            .withElectionMs(300)
            .withServer(ServerOptions.defaults().withCellHome(home(slot)).withInstanceId("fragile-r" + slot)));
        replicas.add(r);
        return r;
    }

    private FragileClient client(final int slot, final ClientSession session)
    {
        final FragileClient c = FragileClient.connect(ClientOptions.defaults().withCellHome(home(slot))
            .withCallTimeout(Duration.ofSeconds(20)).withConnectTimeout(Duration.ofSeconds(20)).withSession(session));
        clients.add(c);
        return c;
    }

    private void setUp(final String name) throws IOException
    {
        root = Path.of(System.getProperty("cell.test.tmp", System.getProperty("java.io.tmpdir")))
            .resolve("fragile-" + name + "-" + System.nanoTime());
        cellDir = root.resolve("fragile");
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"fragile\"\n[state]\nreplicas = 3\n");
        for (int i = 0; i < 3; i++)
        {
            start(i);
        }
        await("a leader", Duration.ofSeconds(30), () -> replicas.stream().anyMatch(Replica::isLeader));
    }

    @AfterEach
    void tearDown()
    {
        for (final FragileClient c : clients)
        {
            c.close();
        }
        for (final Replica r : replicas)
        {
            r.close();
        }
        if (root != null)
        {
            dev.cell.runtime.discovery.InstanceRegistry.deleteTree(root);
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

    private void awaitSameState()
    {
        await("replicas to converge", Duration.ofSeconds(30), () ->
        {
            final long index = replicas.getFirst().appliedIndex();
            final String hash = replicas.getFirst().stateHash();
            return replicas.stream().allMatch(r -> r.appliedIndex() == index && r.stateHash().equals(hash));
        });
    }

    @Test
    void aHandlerThrowingAnErrorIsTheSameRecordedFailureOnEveryReplica() throws Exception
    {
        setUp("errors");
        final ClientSession session = ClientSession.create();
        final FragileClient c = client(0, session);
        final FragileClient other = client(2, session);
        final long start = Fragile.EXPLOSIONS.get();
        c.write(new Note("a", "1"));
        for (final String kind : List.of("oom", "stack", "assert", "state"))
        {
            final CellException.HandlerFailed failed = assertThrows(CellException.HandlerFailed.class,
                () -> c.explode(new Boom("boom-" + kind, kind)));
            assertTrue(failed.getMessage().contains("planted"), failed.getMessage());
        }
        awaitSameState();
        assertEquals(start + 4 * 3L, Fragile.EXPLOSIONS.get(), "every replica ran every explode once");
        final long explosions = Fragile.EXPLOSIONS.get();

        // A retry of a failed call through another replica gets the recorded failure; the handler does not run.
        final long sequence = session.nextSequence();
        final CellException.HandlerFailed first = assertThrows(CellException.HandlerFailed.class,
            () -> session.withSequence(sequence, () -> c.explode(new Boom("boom-retry", "oom"))));
        awaitSameState();
        final long afterFirst = Fragile.EXPLOSIONS.get();
        assertEquals(explosions + 3, afterFirst);
        final CellException.HandlerFailed retried = assertThrows(CellException.HandlerFailed.class,
            () -> session.withSequence(sequence, () -> other.explode(new Boom("boom-retry", "oom"))));
        assertEquals(first.getMessage(), retried.getMessage(), "the first reply");
        awaitSameState();
        assertEquals(afterFirst, Fragile.EXPLOSIONS.get(), "the retry did not run the handler again");

        // The group keeps serving, and no replica kept a write of a failed handler.
        other.write(new Note("b", "2"));
        assertEquals("2", c.read(new Name("b")).text());
        assertFalse(other.read(new Name("boom-oom")).found(), "the failed handler's write was discarded");
        awaitSameState();
        for (final Replica r : replicas)
        {
            assertFalse(r.failed(), "replica " + r.slot() + " kept running");
        }

        // A replica that lost its state rebuilds it from its journal, failing entries included, to the same hash.
        final String expected = replicas.getFirst().stateHash();
        final Replica third = replicas.get(2);
        final Path stateDir = third.dir().resolve("ledger").resolve("state");
        third.close();
        replicas.remove(third);
        clients.remove(other);
        other.close();
        dev.cell.runtime.discovery.InstanceRegistry.deleteTree(stateDir);
        start(2);
        awaitSameState();
        assertEquals(expected, replicas.getLast().stateHash());
        client(2, null).write(new Note("c", "3"));
        awaitSameState();
    }

    @Test
    void theLeaderRefusesEntriesThatAreNotCommandsOfTheCell() throws Exception
    {
        setUp("refused");
        final FragileClient c = client(1, null);
        c.write(new Note("a", "1"));
        awaitSameState();
        final long before = c.journalEntries(new Name("")).index();
        final Genome genome = new FragileBinding().genome();
        int readTemplate = -1;
        int writeTemplate = -1;
        for (final Genome.Handler h : genome.handlers())
        {
            if (h.name().equals("read"))
            {
                readTemplate = h.requestTemplateId();
            }
            if (h.name().equals("write"))
            {
                writeTemplate = h.requestTemplateId();
            }
        }
        final List<byte[]> bad = List.of(
            new byte[0],
            new byte[] {1, 2, 3, 4, 5},
            entry(CellStateMachine.ENTRY_COMMAND, readTemplate, 0),         // a query is not a command
            entry(CellStateMachine.ENTRY_COMMAND, 999, 0),                  // no such handler
            entry((byte)0x11, writeTemplate, 0),                            // a journal kind, not a log kind
            entry(CellStateMachine.ENTRY_COMMAND, writeTemplate, 4_000),    // block longer than the entry
            signedWith(new byte[32], entry(CellStateMachine.ENTRY_COMMAND, writeTemplate, 0))); // a well-formed
                                                                            // write, without the group's key
        final GroupConfig config = GroupConfig.read(GroupConfig.replicasDir(cellDir));
        try (RaftClient raw = RaftSetup.client(RaftSetup.group(config.groupId, config.ports, config.members),
            ReplicaOptions.Transport.NETTY, null, null))
        {
            for (final byte[] b : bad)
            {
                final String refusal = refusal(raw, b);
                assertTrue(refusal.contains(CellStateMachine.REFUSED_PREFIX), refusal);
            }
            final String unsigned = refusal(raw, bad.getLast());
            assertTrue(unsigned.contains("group's key"), unsigned);
        }
        c.write(new Note("b", "2"));
        awaitSameState();
        assertEquals(before + 1, c.journalEntries(new Name("")).index(), "no refused entry entered the log");
    }

    /**
     * @return {@code entry} with a tag made with {@code key} (not the group's) appended.
     */
    private static byte[] signedWith(final byte[] key, final byte[] entry)
    {
        final byte[] signed = java.util.Arrays.copyOf(entry, entry.length + EntryAuth.TAG_LENGTH);
        EntryAuth.of(key).sign(signed);
        return signed;
    }

    private static byte[] entry(final byte kind, final int templateId, final int blockLength)
    {
        final ByteBuffer b = ByteBuffer.allocate(CellStateMachine.ENTRY_HEADER + 8 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, kind);
        b.putShort(CellStateMachine.ENTRY_HEADER, (short)blockLength);
        b.putShort(CellStateMachine.ENTRY_HEADER + 2, (short)templateId);
        return b.array();
    }

    private static String refusal(final RaftClient raw, final byte[] entry)
    {
        try
        {
            final RaftClientReply reply = raw.io().send(Message.valueOf(ByteString.copyFrom(entry)));
            assertFalse(reply.isSuccess(), "an entry of " + entry.length + " bytes was accepted");
            return String.valueOf(reply.getException());
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }
}
