package dev.cell.examples.kv;

import dev.cell.raft.check.Linearizability;
import dev.cell.raft.check.Operation;
import dev.cell.raft.check.RegisterModel;
import dev.cell.raft.check.RegisterModel.Input;
import dev.cell.raft.check.RegisterModel.Output;
import dev.cell.runtime.CellException;
import dev.cell.runtime.client.ClientSession;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent clients of a {@link KvCluster} that record every operation (invocation and return times, input, output)
 * for the linearizability checker. Each logical client has one {@link ClientSession} shared by its connections to
 * the replicas; a write that fails is retried under the same sequence ({@link ClientSession#withSequence}) through
 * other replicas until it is acknowledged (then it is one operation from the first attempt to the acknowledgement) or
 * the client gives up (then its outcome is unknown).
 */
final class KvHistory implements AutoCloseable
{
    static final int KEYS = 4;
    private static final long GIVE_UP_NS = 30_000_000_000L;

    private final KvCluster cluster;
    private final ConcurrentLinkedQueue<Operation<Input, Output>> operations = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong acknowledgedWrites = new AtomicLong();
    private final AtomicLong reads = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final long seed;
    private int finalReads;

    KvHistory(final KvCluster cluster, final long seed)
    {
        this.cluster = cluster;
        this.seed = seed;
    }

    void start(final int clients)
    {
        for (int c = 0; c < clients; c++)
        {
            final int client = c;
            final Thread t = Thread.ofPlatform().name("kv-client-" + c).start(() -> run(client));
            threads.add(t);
        }
    }

    long acknowledgedWrites()
    {
        return acknowledgedWrites.get();
    }

    long reads()
    {
        return reads.get();
    }

    private void run(final int client)
    {
        final Random random = new Random(seed + client);
        final KvClient[] connections = new KvClient[KvCluster.REPLICAS];
        final ClientSession session = ClientSession.create();
        long written = 0;
        try
        {
            while (running.get())
            {
                final String key = "key-" + random.nextInt(KEYS);
                if (random.nextInt(100) < 50)
                {
                    written++;
                    write(client, random, session, connections, key, "c" + client + "-" + written);
                }
                else
                {
                    read(client, random, session, connections, key);
                }
            }
        }
        finally
        {
            for (final KvClient c : connections)
            {
                if (c != null)
                {
                    c.close();
                }
            }
        }
    }

    private KvClient connection(final ClientSession session, final KvClient[] connections, final int slot)
    {
        if (connections[slot] == null)
        {
            connections[slot] = KvClient.connect(cluster.clientOptions(slot).withSession(session));
        }
        return connections[slot];
    }

    private static void drop(final KvClient[] connections, final int slot)
    {
        if (connections[slot] != null)
        {
            connections[slot].close();
            connections[slot] = null;
        }
    }

    private int pickServing(final Random random)
    {
        for (int tries = 0; tries < 20; tries++)
        {
            final int slot = random.nextInt(KvCluster.REPLICAS);
            if (cluster.serving(slot))
            {
                return slot;
            }
        }
        return random.nextInt(KvCluster.REPLICAS);
    }

    private void write(final int client, final Random random, final ClientSession session,
        final KvClient[] connections, final String key, final String value)
    {
        final long call = System.nanoTime();
        final Put put = new Put(key, value.getBytes(StandardCharsets.UTF_8));
        final long sequence = session.nextSequence();
        while (true)
        {
            final int slot = pickServing(random);
            try
            {
                session.withSequence(sequence, () -> connection(session, connections, slot).put(put));
                operations.add(new Operation<>(client, call, System.nanoTime(), Input.write(key, value),
                    new Output(true, null)));
                acknowledgedWrites.incrementAndGet();
                return;
            }
            catch (final CellException ex)
            {
                drop(connections, slot);
                if (System.nanoTime() - call > GIVE_UP_NS || !running.get())
                {
                    operations.add(Operation.unknown(client, call, Input.write(key, value)));
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
            }
        }
    }

    private void read(final int client, final Random random, final ClientSession session,
        final KvClient[] connections, final String key)
    {
        final int slot = pickServing(random);
        final long call = System.nanoTime();
        try
        {
            final Value v = connection(session, connections, slot).get(new Key(key));
            operations.add(new Operation<>(client, call, System.nanoTime(), Input.read(key),
                new Output(true, v.found() ? new String(v.value(), StandardCharsets.UTF_8) : null)));
            reads.incrementAndGet();
        }
        catch (final CellException ex)
        {
            drop(connections, slot); // a failed read tells nothing: not recorded
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
    }

    /**
     * Read every key once more through each replica, so a lost acknowledged write shows: a linearizable read through
     * the replica (served via the leader's read index) and a stale read of that replica's own state (call it once
     * the replicas converged and no write is in flight: both are then linearizable).
     */
    void finalReads()
    {
        for (int slot = 0; slot < KvCluster.REPLICAS; slot++)
        {
            try (KvClient c = KvClient.connect(cluster.clientOptions(slot)))
            {
                final String instance = c.connection().instanceId();
                if (!instance.equals("kv-r" + slot))
                {
                    throw new AssertionError("the final reads for replica " + slot + " reached " + instance);
                }
                for (int k = 0; k < KEYS; k++)
                {
                    final String key = "key-" + k;
                    long call = System.nanoTime();
                    final Value v = c.get(new Key(key));
                    operations.add(new Operation<>(100 + slot, call, System.nanoTime(), Input.read(key),
                        new Output(true, v.found() ? new String(v.value(), StandardCharsets.UTF_8) : null)));
                    call = System.nanoTime();
                    final Value local = c.getStale(new Key(key));
                    operations.add(new Operation<>(200 + slot, call, System.nanoTime(), Input.read(key),
                        new Output(true, local.found() ? new String(local.value(), StandardCharsets.UTF_8) : null)));
                    finalReads++;
                }
            }
        }
    }

    /**
     * @return how many keys {@link #finalReads()} read through every replica.
     */
    int finalReadCount()
    {
        return finalReads;
    }

    Linearizability.Result check()
    {
        return Linearizability.checkPartitioned(new RegisterModel(), List.copyOf(operations), Input::key);
    }

    @Override
    public void close()
    {
        running.set(false);
        for (final Thread t : threads)
        {
            try
            {
                t.join(60_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
