package dev.cell.registry;

import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.ServerOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Three registry replicas in this JVM (Ratis over loopback), each registered in its own cell home so a client can
 * choose the replica it talks to, with one reader client per replica. Test support: {@link #close()} stops
 * everything and deletes the folders.
 */
final class RegistryGroup implements AutoCloseable
{
    static final int REPLICAS = 3;

    final Path root;
    final Path cellDir;
    final RegistryNode[] nodes = new RegistryNode[REPLICAS];
    private final RegistryClient[] readers = new RegistryClient[REPLICAS];
    private final List<AutoCloseable> closeFirst = new ArrayList<>();
    private final RegistryConfig config;

    RegistryGroup(final String name, final Duration renewEvery, final int misses) throws IOException
    {
        root = Harness.tmp("registry-" + name);
        cellDir = root.resolve("registry");
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"registry\"\n[state]\nreplicas = 3\n");
        config = RegistryConfig.defaults(Identity.loadOrCreate(AxonOptions.identityFileOf(cellDir)))
            .withRenewEvery(renewEvery, misses);
    }

    Path home(final int slot)
    {
        return root.resolve("home-" + slot);
    }

    RegistryConfig config()
    {
        return config;
    }

    void startAll()
    {
        for (int i = 0; i < REPLICAS; i++)
        {
            start(i);
        }
        await("a leader", Duration.ofSeconds(60), () -> leader() >= 0);
    }

    void start(final int slot)
    {
        nodes[slot] = RegistryNode.start(cellDir, ReplicaOptions.defaults()
            .withSlot(slot)
            .withSnapshotEvery(0)
            .withServer(ServerOptions.defaults().withCellHome(home(slot)).withInstanceId("registry-r" + slot)),
            config);
    }

    /**
     * Stop one replica (its Raft server, junctions and keeper).
     */
    void stop(final int slot)
    {
        final RegistryClient reader = readers[slot];
        readers[slot] = null;
        if (reader != null)
        {
            reader.close();
        }
        nodes[slot].close();
        nodes[slot] = null;
    }

    int leader()
    {
        for (int i = 0; i < REPLICAS; i++)
        {
            if (nodes[i] != null && nodes[i].isLeader())
            {
                return i;
            }
        }
        return -1;
    }

    ClientOptions options(final int slot)
    {
        return ClientOptions.defaults().withCellHome(home(slot)).withClientName("registry-test")
            .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(2));
    }

    List<ClientOptions> allOptions()
    {
        final List<ClientOptions> all = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++)
        {
            all.add(options(i));
        }
        return all;
    }

    RegistryClient reader(final int slot)
    {
        if (readers[slot] == null)
        {
            readers[slot] = RegistryClient.connect(options(slot).withCallTimeout(Duration.ofSeconds(10)));
        }
        return readers[slot];
    }

    /**
     * @return the instance ids of {@code cell} each running replica lists (a stale read on each).
     */
    List<List<String>> listed(final String cell)
    {
        final List<List<String>> all = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++)
        {
            if (nodes[i] != null)
            {
                final List<String> ids = new ArrayList<>();
                String after = "";
                do
                {
                    final Instances page = reader(i).instances(new Lookup(cell, "", "", after, 0));
                    page.instances().forEach(info -> ids.add(info.instanceId()));
                    after = page.next();
                }
                while (!after.isEmpty());
                all.add(ids);
            }
        }
        return all;
    }

    boolean everyReplicaLists(final String cell, final List<String> ids)
    {
        return listed(cell).stream().allMatch(ids::equals);
    }

    void awaitSameState()
    {
        await("replicas to converge", Duration.ofSeconds(30), () ->
        {
            long index = -1;
            String hash = null;
            for (final RegistryNode n : nodes)
            {
                if (n == null)
                {
                    continue;
                }
                if (index < 0)
                {
                    index = n.replica().appliedIndex();
                    hash = n.replica().stateHash();
                }
                else if (n.replica().appliedIndex() != index || !n.replica().stateHash().equals(hash))
                {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * @param lease closed (revoked) before the replicas stop.
     * @return it.
     */
    RegistryLease track(final RegistryLease lease)
    {
        closeFirst.add(lease);
        return lease;
    }

    static void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        await(what, timeout, condition, () -> "");
    }

    /**
     * @param lastSeen what the failure message adds (what was seen last).
     */
    static void await(final String what, final Duration timeout, final BooleanSupplier condition,
        final java.util.function.Supplier<String> lastSeen)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + " " +
                    lastSeen.get());
            }
            LockSupport.parkNanos(5_000_000L);
        }
    }

    @Override
    public void close() throws IOException
    {
        for (final AutoCloseable c : closeFirst)
        {
            try
            {
                c.close();
            }
            catch (final Exception ignore)
            {
                // The replicas stop next anyway.
            }
        }
        for (int i = 0; i < REPLICAS; i++)
        {
            if (nodes[i] != null)
            {
                stop(i);
            }
        }
        Harness.deleteTree(root);
    }
}
