package dev.cell.examples.kv;

import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A wiped replica catches up by a snapshot install: with 64 KiB log segments, a snapshot every 1,000 commands and 200
 * entries preserved, 10,000 writes make the leader purge its log far past index 1, so the restarted, empty replica
 * can only be brought up to date with the leader's RocksDB checkpoint. It ends with the same state hash, and reads
 * through it are right once it leads.
 */
class KvSnapshotInstallTest
{
    private static final int WRITES = 10_000;
    private static final int KEYS = 2_000;
    private static final int THREADS = 8;

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
            .withSnapshotEvery(1_000)
            .withLogPreserve(200)
            .withRaftProperty("raft.server.log.segment.size.max", "64KB")
            .withRaftProperty("raft.server.log.preallocated.size", "16KB")
            .withServer(ServerOptions.defaults().withCellHome(home(slot)).withInstanceId("kv-r" + slot)));
        replicas.add(r);
        return r;
    }

    private KvClient client(final int slot)
    {
        final KvClient c = KvClient.connect(ClientOptions.defaults().withCellHome(home(slot))
            .withCallTimeout(Duration.ofSeconds(20)).withConnectTimeout(Duration.ofSeconds(20)));
        synchronized (clients)
        {
            clients.add(c);
        }
        return c;
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
        deleteTree(root);
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> s = Files.walk(dir))
        {
            for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
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
            LockSupport.parkNanos(20_000_000L);
        }
    }

    private static byte[] value(final int i)
    {
        return ("value-" + i + "-" + "x".repeat(80)).getBytes(StandardCharsets.UTF_8);
    }

    private void write(final int from, final int to, final Map<String, byte[]> expected) throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try
        {
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    final KvClient c = client(thread % 2);
                    for (int i = from + thread; i < to; i += THREADS)
                    {
                        // Each key is written by one thread only, so the last write of a key is its value.
                        final String key = "key-" + (i % KEYS);
                        c.put(new Put(key, value(i)));
                        expected.put(key, value(i));
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get(10, TimeUnit.MINUTES);
            }
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private void awaitSameState(final Duration timeout)
    {
        await("replicas to converge", timeout, () ->
        {
            final long index = replicas.getFirst().appliedIndex();
            final String hash = replicas.getFirst().stateHash();
            return replicas.stream().allMatch(r -> r.appliedIndex() == index && r.stateHash().equals(hash));
        });
    }

    private Replica leader()
    {
        final Replica[] found = {null};
        await("a leader", Duration.ofSeconds(30),
            () -> (found[0] = replicas.stream().filter(Replica::isLeader).findFirst().orElse(null)) != null);
        return found[0];
    }

    @Test
    void aWipedReplicaCatchesUpByASnapshotInstallAndServesOnceItLeads() throws Exception
    {
        root = Path.of(System.getProperty("cell.test.tmp", System.getProperty("java.io.tmpdir")))
            .resolve("kv-install-" + System.nanoTime());
        cellDir = root.resolve("kv");
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 3\n");
        for (int i = 0; i < 3; i++)
        {
            start(i);
        }
        leader();
        final Map<String, byte[]> expected = new ConcurrentHashMap<>();
        final long started = System.nanoTime();
        write(0, WRITES, expected);
        System.out.println("KvSnapshotInstallTest: " + WRITES + " writes in " +
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
        awaitSameState(Duration.ofSeconds(60));

        final Replica third = replicas.get(2);
        final Path thirdDir = third.dir();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(thirdDir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            cellDir.resolve(".cell").resolve("replicas").resolve("group.properties"))));
        third.close();
        replicas.remove(third);
        deleteTree(thirdDir); // the whole replica: Raft log, ledger, snapshots

        write(WRITES, WRITES + 2_000, expected);
        final Replica leader = leader();
        final long leaderStart = leader.logStartIndex();
        System.out.println("KvSnapshotInstallTest: leader r" + leader.slot() + " log starts at " + leaderStart +
            ", applied " + leader.appliedIndex() + ", snapshot " + leader.snapshotIndex());
        assertTrue(leaderStart > 1_000, "the leader purged its log: an empty replica cannot catch up from it " +
            "(first index " + leaderStart + ")");

        final Replica back = start(2);
        awaitSameState(Duration.ofSeconds(120));
        assertTrue(back.installedSnapshots() >= 1, "the wiped replica got the leader's snapshot installed");
        // Right after the install its log is empty (Ratis reports start index -1) until the next entry arrives.
        write(WRITES + 2_000, WRITES + 2_001, expected);
        await("the wiped replica's log to start after the snapshot", Duration.ofSeconds(30),
            () -> back.logStartIndex() > 1);
        awaitSameState(Duration.ofSeconds(60));
        final String hash = replicas.getFirst().stateHash();
        for (final Replica r : replicas)
        {
            assertEquals(hash, r.stateHash(), "replica " + r.slot());
        }
        final Properties status = new Properties();
        await("raft-status of the new replica to show the install", Duration.ofSeconds(10), () ->
            readStatus(back, status) && Long.parseLong(status.getProperty("appliedIndex", "0")) > WRITES &&
                Integer.parseInt(status.getProperty("snapshotsInstalled", "0")) >= 1);
        assertEquals("FOLLOWER", status.getProperty("role"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            back.dir().resolve(Replica.STATUS_FILE))));

        back.becomeLeader(20_000);
        await("the restored replica to lead", Duration.ofSeconds(30), back::isLeader);
        final KvClient viaBack = client(2);
        final Map<String, byte[]> sorted = new TreeMap<>(expected);
        assertEquals(KEYS, sorted.size());
        for (final Map.Entry<String, byte[]> e : sorted.entrySet())
        {
            assertArrayEquals(e.getValue(), viaBack.get(new Key(e.getKey())).value(), e.getKey());
        }
        final Written after = viaBack.put(new Put("after-install", value(-1)));
        assertTrue(after.version() > WRITES);
        awaitSameState(Duration.ofSeconds(30));
        final Properties leaderStatus = new Properties();
        await("raft-status to say LEADER", Duration.ofSeconds(10), () -> readStatus(back, leaderStatus) &&
            "LEADER".equals(leaderStatus.getProperty("role")) &&
            ("r" + back.slot()).equals(leaderStatus.getProperty("leader")));
    }

    private static boolean readStatus(final Replica replica, final Properties into)
    {
        try (var in = Files.newBufferedReader(replica.dir().resolve(Replica.STATUS_FILE)))
        {
            into.clear();
            into.load(in);
            return true;
        }
        catch (final IOException ex)
        {
            return false; // not written yet, or being replaced
        }
    }
}
