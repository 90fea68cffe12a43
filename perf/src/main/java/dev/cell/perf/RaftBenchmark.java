package dev.cell.perf;

import dev.cell.examples.kv.KvBinding;
import dev.cell.examples.kv.KvClient;
import dev.cell.examples.kv.Put;
import dev.cell.raft.PlainRatisBaseline;
import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.service.ServerOptions;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Commit latency and throughput of a stateful cell (the replicated {@code kv}: 3 replicas in this JVM, a typed
 * client over a junction, commands through Ratis into RocksDB and the Chronicle journal) next to a plain Ratis group
 * of 3 with a trivial state machine, same transport and settings, in the same run. For each: one client doing
 * blocking commits back to back, and one client keeping {@code --inflight} commits pipelined; the paths take turns,
 * {@code --rounds} times, and each row merges its rounds.
 * <pre>
 * java $(JVM flags) -cp 'perf/target/classes:perf/target/lib/*' dev.cell.perf.RaftBenchmark \
 *      [--transport netty|grpc] [--seconds 10] [--inflight 32] [--value-bytes 32] [--rounds 3]
 * </pre>
 * (see perf/README.md for the exact command). Not a test: it prints figures and asserts nothing.
 */
public final class RaftBenchmark
{
    private RaftBenchmark()
    {
    }

    private record Result(String path, Histogram histogram, double perSecond)
    {
        String row()
        {
            return String.format(Locale.ROOT, "| %-44s | %7.2f | %7.2f | %7.2f | %9.0f |", path,
                histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6,
                histogram.getValueAtPercentile(99.9) / 1e6, perSecond);
        }
    }

    /**
     * @param args see the class comment.
     * @throws Exception when a group does not start.
     */
    public static void main(final String[] args) throws Exception
    {
        ReplicaOptions.Transport transport = ReplicaOptions.Transport.NETTY;
        long seconds = 10;
        int inflight = 32;
        int valueBytes = 32;
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--transport" -> transport = ReplicaOptions.Transport.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
                case "--seconds" -> seconds = Long.parseLong(args[i + 1]);
                case "--inflight" -> inflight = Integer.parseInt(args[i + 1]);
                case "--value-bytes" -> valueBytes = Integer.parseInt(args[i + 1]);
                case "--rounds" -> Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] +
                    "; use --transport netty|grpc, --seconds N, --inflight N, --value-bytes N, --rounds N");
            }
        }
        final Path root = Files.createTempDirectory("cell-raft-bench");
        final byte[] value = new byte[valueBytes];
        final List<Result> results = new ArrayList<>();
        System.out.printf(Locale.ROOT, "RaftBenchmark: 3 replicas in one JVM, %s transport, %d s per phase, " +
            "%d in flight when pipelined, %d-byte values, %d CPUs, %s%n", transport.name().toLowerCase(Locale.ROOT),
            seconds, inflight, valueBytes, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        final Path cellDir = root.resolve("kv");
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 3\n");
        final List<Replica> replicas = new ArrayList<>();
        final List<AutoCloseable> clients = new ArrayList<>();
        try (PlainRatisBaseline plain = new PlainRatisBaseline(root.resolve("plain"), 3, transport))
        {
            for (int i = 0; i < 3; i++)
            {
                replicas.add(Replica.start(new KvBinding(), cellDir, ReplicaOptions.defaults()
                    .withSlot(i).withTransport(transport).withSnapshotEvery(0)
                    .withServer(ServerOptions.defaults().withCellHome(root.resolve("home-" + i))
                        .withInstanceId("kv-bench-" + i))));
            }
            final int leader = awaitLeader(replicas);
            final int follower = (leader + 1) % 3;
            final KvClient viaLeader = connect(root, leader);
            clients.add(viaLeader);
            final KvClient viaFollower = connect(root, follower);
            clients.add(viaFollower);
            final byte[] entry = new byte[valueBytes + 16];
            final long[] seq = {0};
            final Supplier<Object> plainOp = () ->
            {
                plain.send(entry);
                return null;
            };
            final Supplier<Object> leaderOp = () -> viaLeader.put(new Put("k" + (++seq[0] & 1023), value));
            final Supplier<Object> followerOp =
                () -> viaFollower.put(new Put("k" + (++seq[0] & 1023), value));
            // Warm every path up (JIT, connections, RocksDB) before measuring any.
            measure(3, plainOp);
            measure(3, leaderOp);
            measure(3, followerOp);
            final String[] names = {
                "plain Ratis, 1 client, blocking",
                "plain Ratis, pipelined " + inflight,
                "kv cell via leader, 1 client, blocking put",
                "kv cell via leader, pipelined " + inflight,
                "kv cell via follower, 1 client, blocking put",
                "kv cell via follower, pipelined " + inflight};
            final List<List<Result>> rounds = new ArrayList<>();
            for (int round = 0; round < rounds(args); round++)
            {
                final List<Result> r = new ArrayList<>();
                r.add(sequential(names[0], seconds, plainOp));
                r.add(pipelined(names[1], seconds, inflight, () -> plain.sendAsync(entry)));
                r.add(sequential(names[2], seconds, leaderOp));
                r.add(pipelined(names[3], seconds, inflight,
                    () -> viaLeader.putAsync(new Put("k" + (++seq[0] & 1023), value))));
                r.add(sequential(names[4], seconds, followerOp));
                r.add(pipelined(names[5], seconds, inflight,
                    () -> viaFollower.putAsync(new Put("k" + (++seq[0] & 1023), value))));
                rounds.add(r);
                System.out.printf(Locale.ROOT, "round %d: plain p50 %.2f ms, kv via leader p50 %.2f ms%n", round + 1,
                    r.get(0).histogram().getValueAtPercentile(50) / 1e6,
                    r.get(2).histogram().getValueAtPercentile(50) / 1e6);
            }
            for (int i = 0; i < names.length; i++)
            {
                final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                double rate = 0;
                for (final List<Result> r : rounds)
                {
                    all.add(r.get(i).histogram());
                    rate += r.get(i).perSecond();
                }
                results.add(new Result(names[i], all, rate / rounds.size()));
            }
        }
        finally
        {
            for (final AutoCloseable c : clients)
            {
                c.close();
            }
            for (final Replica r : replicas)
            {
                r.close();
            }
        }
        System.out.println();
        System.out.println("| path                                         | p50 ms  | p99 ms  | p99.9 ms| commits/s |");
        System.out.println("|---|---|---|---|---|");
        for (final Result r : results)
        {
            System.out.println(r.row());
        }
    }

    private static int rounds(final String[] args)
    {
        for (int i = 0; i + 1 < args.length; i++)
        {
            if (args[i].equals("--rounds"))
            {
                return Integer.parseInt(args[i + 1]);
            }
        }
        return 3;
    }

    private static KvClient connect(final Path root, final int slot)
    {
        return KvClient.connect(ClientOptions.defaults().withCellHome(root.resolve("home-" + slot))
            .withCallTimeout(Duration.ofSeconds(30)));
    }

    /**
     * @return the index of the replica that leads, within 60 s.
     */
    static int awaitLeader(final List<Replica> replicas)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            for (int i = 0; i < replicas.size(); i++)
            {
                if (replicas.get(i).isLeader())
                {
                    return i;
                }
            }
            LockSupport.parkNanos(10_000_000L);
        }
        throw new IllegalStateException("no leader within 60 s");
    }

    private static void measure(final long seconds, final Supplier<Object> op)
    {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end)
        {
            op.get();
        }
    }

    private static Result sequential(final String path, final long seconds, final Supplier<Object> op)
    {
        final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final long start = System.nanoTime();
        final long end = start + TimeUnit.SECONDS.toNanos(seconds);
        long n = 0;
        long now = start;
        while (now < end)
        {
            final long t0 = System.nanoTime();
            op.get();
            now = System.nanoTime();
            h.recordValue(Math.min(now - t0, h.getHighestTrackableValue()));
            n++;
        }
        return new Result(path, h, n * 1e9 / (now - start));
    }

    private static Result pipelined(
        final String path, final long seconds, final int inflight,
        final Supplier<CompletableFuture<?>> op)
    {
        final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final Semaphore permits = new Semaphore(inflight);
        final long start = System.nanoTime();
        final long end = start + TimeUnit.SECONDS.toNanos(seconds);
        final long[] done = {0};
        while (System.nanoTime() < end)
        {
            permits.acquireUninterruptibly();
            final long t0 = System.nanoTime();
            op.get().whenComplete((r, e) ->
            {
                final long d = System.nanoTime() - t0;
                synchronized (h)
                {
                    h.recordValue(Math.min(d, h.getHighestTrackableValue()));
                    done[0]++;
                }
                permits.release();
            });
        }
        permits.acquireUninterruptibly(inflight);
        final long elapsed = System.nanoTime() - start;
        synchronized (h)
        {
            return new Result(path, h, done[0] * 1e9 / elapsed);
        }
    }
}
