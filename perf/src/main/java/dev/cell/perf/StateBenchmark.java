package dev.cell.perf;

import dev.cell.examples.kv.KvBinding;
import dev.cell.examples.kv.KvClient;
import dev.cell.examples.kv.Put;
import dev.cell.perf.state.AeronClusterGroup;
import dev.cell.perf.state.Floors;
import dev.cell.perf.state.Load;
import dev.cell.perf.state.StateReport;
import dev.cell.perf.suite.ComparisonSuite;
import dev.cell.raft.PlainRatisBaseline;
import dev.cell.raft.RatisTimers;
import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.service.ServerOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Stateful cells against the disk, in one run: the {@code fdatasync} floor (a 32-byte append + fdatasync to a
 * preallocated file in the replicas' folder; also three files at once, the three replicas' share of one disk), a
 * loopback round trip, plain Ratis groups of 3 in this JVM configured as replicas are ({@code RaftSetup}) — through
 * a Raft client over Netty and over gRPC, and submitted straight into the leader's server — and the {@code kv} cell's
 * 3 replicas through its typed client, connected to the leader's replica and to a follower's, and an Aeron Cluster of 3
 * syncing the same way (agents backing off, and yielding); each with 1 client
 * back to back and {@code --clients} calls in flight. Every row prints its durability; a row that acknowledges
 * before a majority synced (only with {@code --unsafe}) is labelled and counts toward no goal. Writes
 * {@code perf/results/<date>-<machine>-state.json}.
 * <pre>
 * java $(JVM flags) -cp 'perf/target/classes:perf/target/lib/*' dev.cell.perf.StateBenchmark \
 *      [--seconds 5] [--rounds 2] [--clients 64] [--warmup 3] [--only id,id] [--unsafe] [--breakdown] \
 *      [--connections 8] [--transport netty|grpc] [--no-local-submit] [--forward-clients 4] [--dir folder] \
 *      [--json file]
 * </pre>
 * ({@code ./cell perf state} runs it; see perf/README.md). Not a test: it asserts nothing.
 */
public final class StateBenchmark
{
    static final int COMMAND_BYTES = 32;
    static final String AERON_CLUSTER = "aeron-cluster";
    static final String RATIS_SAFE = "acknowledged once the entry is fdatasync'ed in the leader's log and in a " +
        "majority's (the leader counts its own flushed index; followers answer an append after their flush); " +
        "raft.server.log.unsafe-flush.enabled=false, raft.server.log.async-flush.enabled=false";
    static final String KV_SAFE = RATIS_SAFE + "; the cell's RocksDB WAL and Chronicle journal are not synced " +
        "(rebuilt from the Raft log)";
    static final String UNSAFE = "raft.server.log.unsafe-flush.enabled=true: acknowledged before the fdatasyncs " +
        "complete; a power loss of a majority can lose acknowledged writes";
    static final String FLOOR = "one write + FileChannel.force(false) (fdatasync) per append, preallocated file";

    private static final Runnable NOTHING = () ->
    {
    };

    private StateBenchmark()
    {
    }

    /**
     * Options of one run.
     */
    record Options(double seconds, int rounds, int clients, int connections, double warmup, Set<String> only,
        boolean unsafe, boolean breakdown, ReplicaOptions.Transport transport, boolean localSubmit, int forwardClients,
        Path dir, Path json)
    {
        boolean runs(final String id)
        {
            return only.isEmpty() || only.contains(id);
        }
    }

    /**
     * @param args see the class comment.
     * @throws Exception when a group does not start.
     */
    public static void main(final String[] args) throws Exception
    {
        // Closing a group makes its appenders log each failed reconnect with a stack trace: not a finding.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis.util.LifeCycle", "off");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis.server.leader", "off");
        final Options o = parse(args);
        final Map<String, Object> json = run(o);
        Files.createDirectories(o.json().toAbsolutePath().getParent());
        Files.writeString(o.json(), ComparisonSuite.prettyJson(json));
        System.out.println("wrote " + o.json());
        System.exit(0); // Ratis and the junction runtime leave non-daemon threads behind
    }

    static Options parse(final String[] args) throws IOException
    {
        double seconds = 5;
        int rounds = 2;
        int clients = 64;
        int connections = 8;
        int forwardClients = ReplicaOptions.defaults().forwardClients();
        double warmup = 3;
        Set<String> only = Set.of();
        boolean unsafe = false;
        boolean breakdown = false;
        boolean localSubmit = true;
        ReplicaOptions.Transport transport = ReplicaOptions.Transport.NETTY;
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        Path json = null;
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            switch (a)
            {
                case "--unsafe" -> unsafe = true;
                case "--breakdown" -> breakdown = true;
                case "--no-local-submit" -> localSubmit = false;
                case "--seconds", "--rounds", "--clients", "--connections", "--warmup", "--only", "--transport",
                     "--forward-clients", "--dir", "--json" ->
                {
                    if (i + 1 >= args.length)
                    {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    final String v = args[++i];
                    switch (a)
                    {
                        case "--seconds" -> seconds = Double.parseDouble(v);
                        case "--rounds" -> rounds = Integer.parseInt(v);
                        case "--clients" -> clients = Integer.parseInt(v);
                        case "--connections" -> connections = Integer.parseInt(v);
                        case "--forward-clients" -> forwardClients = Integer.parseInt(v);
                        case "--warmup" -> warmup = Double.parseDouble(v);
                        case "--only" -> only = Set.of(v.split(","));
                        case "--transport" ->
                            transport = ReplicaOptions.Transport.valueOf(v.toUpperCase(Locale.ROOT));
                        case "--dir" -> dir = Path.of(v);
                        default -> json = Path.of(v);
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a + "; use --seconds S, " +
                    "--rounds N, --clients N, --connections N, --warmup S, --only id,id, --unsafe, --breakdown, " +
                    "--transport netty|grpc, --no-local-submit, --forward-clients N, --dir folder, --json file");
            }
        }
        if (json == null)
        {
            json = Path.of("perf", "results", ComparisonSuite.resultsBaseName(LocalDate.now(ZoneOffset.UTC),
                Runtime.getRuntime().availableProcessors(), ComparisonSuite.cpuModel()) + "-state.json");
        }
        return new Options(seconds, rounds, clients, Math.max(1, Math.min(connections, clients)), warmup, only, unsafe,
            breakdown, transport, localSubmit, forwardClients, dir, json);
    }

    /**
     * One path of the run: what it is, its durability, and how to call it.
     */
    private record Target(String id, String what, String durability, boolean majoritySynced, boolean engine,
        Runnable prepare, Runnable blocking, Supplier<? extends CompletableFuture<?>> async,
        Supplier<List<String>> members, Runnable finish)
    {
        Target(final String id, final String what, final String durability, final boolean majoritySynced,
            final boolean engine, final Runnable prepare, final Runnable blocking,
            final Supplier<? extends CompletableFuture<?>> async, final Supplier<List<String>> members)
        {
            this(id, what, durability, majoritySynced, engine, prepare, blocking, async, members, NOTHING);
        }
    }

    static Map<String, Object> run(final Options o) throws Exception
    {
        final String loadAtStart = ComparisonSuite.loadAverage();
        final String machine = Runtime.getRuntime().availableProcessors() + " cpus, " + ComparisonSuite.cpuModel() +
            ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", JDK " +
            Runtime.version();
        System.out.printf(Locale.ROOT, "StateBenchmark: %s; load average %s; %d-byte commands, %d round(s) of " +
            "%.1f s per row, %d in flight for the concurrent rows (kv: over %d connections); replicas' transport %s, " +
            "local submit %s, %d forwarding clients%n", machine, loadAtStart, COMMAND_BYTES, o.rounds(), o.seconds(),
            o.clients(), o.connections(),
            o.transport().name().toLowerCase(Locale.ROOT), o.localSubmit(), o.forwardClients());
        Files.createDirectories(o.dir());
        final Path root = Files.createTempDirectory(o.dir(), "cell-state-bench-");
        final StateReport report = new StateReport();
        final List<AutoCloseable> open = new ArrayList<>();
        final List<Target> paths = new ArrayList<>();
        try
        {
            startGroups(o, root, open, paths);
            for (final Target p : paths)
            {
                p.prepare().run();
                Load.backToBack(o.warmup(), p.blocking());
                p.finish().run();
            }
            for (final Target p : paths)
            {
                p.prepare().run();
                Load.inFlight(o.warmup(), o.clients(), p.async()); // the concurrent paths compile too
                p.finish().run();
            }
            for (int round = 0; round < o.rounds(); round++)
            {
                if (o.runs(StateReport.FLOOR))
                {
                    report.add(StateReport.FLOOR, "append + fdatasync, 1 file", 1, FLOOR, true, false,
                        Floors.fdatasync(root.resolve("floor"), 1, COMMAND_BYTES, o.seconds()), Map.of(), load1());
                }
                if (o.runs("fdatasync-3-files"))
                {
                    report.add("fdatasync-3-files", "append + fdatasync, 3 files at once (3 replicas, one disk)", 3,
                        FLOOR, true, false, Floors.fdatasync(root.resolve("floor"), 3, COMMAND_BYTES, o.seconds()),
                        Map.of(), load1());
                }
                if (o.runs("loopback-tcp"))
                {
                    report.add("loopback-tcp", "32-byte round trip over loopback TCP", 1, "none (no disk)", true,
                        false, Floors.loopback(COMMAND_BYTES, o.seconds()), Map.of(), load1());
                }
                for (final Target p : paths)
                {
                    for (final int clients : o.clients() == 1 ? new int[] {1} : new int[] {1, o.clients()})
                    {
                        p.prepare().run();
                        final double load = load1();
                        final List<String> members = p.members().get();
                        final Map<String, Long> before = counts(members);
                        final Load.Sample s = clients == 1 ? Load.backToBack(o.seconds(), p.blocking()) :
                            Load.inFlight(o.seconds(), clients, p.async());
                        p.finish().run();
                        final Map<String, Object> extra = batching(members, before);
                        if (!members.isEmpty() && !members.get(0).equals(p.members().get().get(0)))
                        {
                            extra.put("leaderChanged", true); // the row measured a leader change
                        }
                        report.add(p.id(), p.what(), clients, p.durability(), p.majoritySynced(), p.engine(), s,
                            extra, load);
                    }
                }
                System.out.printf(Locale.ROOT, "round %d of %d done, load average %s%n", round + 1, o.rounds(),
                    ComparisonSuite.loadAverage());
            }
            if (o.breakdown())
            {
                breakdown(paths);
            }
        }
        finally
        {
            for (final AutoCloseable c : open) // clients first (added at the front), then the groups
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
            deleteTree(root);
        }
        System.out.println();
        System.out.print(report.table());
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "state");
        json.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        json.put("machine", machine);
        json.put("cores", Runtime.getRuntime().availableProcessors());
        json.put("loadAverageAtStart", loadAtStart);
        json.put("loadAverageAtEnd", ComparisonSuite.loadAverage());
        json.put("commandBytes", COMMAND_BYTES);
        json.put("seconds", o.seconds());
        json.put("rounds", o.rounds());
        json.put("concurrentClients", o.clients());
        json.put("kvConnections", o.connections());
        json.put("replicaTransport", o.transport().name().toLowerCase(Locale.ROOT));
        json.put("localSubmit", o.localSubmit());
        json.put("forwardClients", o.forwardClients());
        json.put("ratisProperties", ratisOverrides());
        json.put("rows", report.jsonRows());
        json.put("goals", report.goals());
        json.put("engineComparison", report.engineComparison());
        return json;
    }

    private static void startGroups(final Options o, final Path root, final List<AutoCloseable> open,
        final List<Target> paths) throws IOException
    {
        final byte[] command = new byte[COMMAND_BYTES];
        if (o.runs("ratis-netty") || o.runs("ratis-embedded"))
        {
            final PlainRatisBaseline plain = new PlainRatisBaseline(root.resolve("plain-netty"), 3,
                ReplicaOptions.Transport.NETTY);
            open.add(plain);
            if (o.runs("ratis-netty"))
            {
                paths.add(new Target("ratis-netty", "plain Ratis, Raft client over Netty to the leader", RATIS_SAFE,
                    true, true, NOTHING, () -> plain.send(command), () -> plain.sendAsync(command), plain::members));
            }
            if (o.runs("ratis-embedded"))
            {
                paths.add(new Target("ratis-embedded", "plain Ratis, submitted into the leader's server in-process " +
                    "(Netty between servers)", RATIS_SAFE, true, true, NOTHING, () -> plain.submitToLeader(command),
                    () -> plain.submitToLeaderAsync(command), plain::members));
            }
        }
        if (o.runs("ratis-grpc"))
        {
            final PlainRatisBaseline plain = new PlainRatisBaseline(root.resolve("plain-grpc"), 3,
                ReplicaOptions.Transport.GRPC);
            open.add(plain);
            paths.add(new Target("ratis-grpc", "plain Ratis, Raft client over gRPC to the leader", RATIS_SAFE, true,
                true, NOTHING, () -> plain.send(command), () -> plain.sendAsync(command), plain::members));
        }
        if (o.unsafe() && (o.only().isEmpty() || o.runs("ratis-embedded-unsafe-flush")))
        {
            final PlainRatisBaseline plain = new PlainRatisBaseline(root.resolve("plain-unsafe"), 3,
                ReplicaOptions.Transport.NETTY, Map.of("raft.server.log.unsafe-flush.enabled", "true"));
            open.add(plain);
            paths.add(new Target("ratis-embedded-unsafe-flush", "plain Ratis in-process, unsafe flush", UNSAFE, false,
                true, NOTHING, () -> plain.submitToLeader(command), () -> plain.submitToLeaderAsync(command),
                plain::members));
        }
        if (o.runs("kv-leader") || o.runs("kv-follower"))
        {
            startKv(o, root, open, paths);
        }
        for (final AeronClusterGroup.Idle idle : AeronClusterGroup.Idle.values())
        {
            final String id = idle == AeronClusterGroup.Idle.BACKOFF ? AERON_CLUSTER : AERON_CLUSTER + "-yield";
            if (o.runs(id))
            {
                addAeronCluster(id, idle, root, open, paths, command);
            }
        }
    }

    /**
     * The Aeron Cluster row: a group of 3 launched for each measurement and closed after it, so that its agents
     * take no CPU from the other rows.
     */
    private static void addAeronCluster(final String id, final AeronClusterGroup.Idle idle, final Path root,
        final List<AutoCloseable> open, final List<Target> paths, final byte[] command)
    {
        final AeronClusterGroup[] group = {null};
        final Runnable close = () ->
        {
            if (group[0] != null)
            {
                group[0].close();
                group[0] = null;
            }
        };
        open.add(close::run);
        paths.add(new Target(id, "Aeron Cluster of 3 in this JVM (a trivial service), client over UDP with its own " +
            "driver, agents " + idle.name().toLowerCase(Locale.ROOT), idle.durability(), true, true, () ->
        {
            close.run();
            try
            {
                group[0] = new AeronClusterGroup(root, idle);
            }
            catch (final IOException ex)
            {
                throw new java.io.UncheckedIOException(ex);
            }
        }, () -> group[0].send(command), () -> group[0].sendAsync(command), List::of, close));
    }

    private static void startKv(final Options o, final Path root, final List<AutoCloseable> open,
        final List<Target> paths) throws IOException
    {
        final Path cellDir = root.resolve("kv");
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 3\n");
        final List<Replica> replicas = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            final Replica r = Replica.start(new KvBinding(), cellDir, ReplicaOptions.defaults()
                .withSlot(i).withTransport(o.transport()).withSnapshotEvery(0).withLocalSubmit(o.localSubmit())
                .withForwardClients(o.forwardClients())
                .withServer(ServerOptions.defaults().withCellHome(root.resolve("home-" + i))
                    .withInstanceId("kv-state-bench-" + i)));
            replicas.add(r);
            open.add(r);
        }
        // Clients to every replica; each row picks the leader's (or a follower's) when it starts, as leadership
        // can move while the machine is loaded.
        final List<List<KvClient>> bySlot = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            bySlot.add(connect(root, i, o.connections(), open));
        }
        final Supplier<List<String>> members = () ->
        {
            final int leader = RaftBenchmark.awaitLeader(replicas);
            final List<String> names = new ArrayList<>();
            names.add(replicas.get(leader).raftMember());
            names.add(replicas.get((leader + 1) % 3).raftMember());
            names.add(replicas.get((leader + 2) % 3).raftMember());
            return names;
        };
        // key "k" + 7 digits (8 bytes) and an 8-byte value: the put's SBE frame is 8 + 4 + 8 + 4 + 8 = 32 bytes
        final byte[] value = new byte[8];
        final long[] seq = {0};
        final int[] slot = {0, 1};
        if (o.runs("kv-leader"))
        {
            paths.add(new Target("kv-leader", "kv cell: typed clients (" + o.connections() + " connections when " +
                "concurrent, each its own session) to the leader's replica, put of 32 bytes", KV_SAFE, true, true,
                () -> slot[0] = RaftBenchmark.awaitLeader(replicas),
                () -> bySlot.get(slot[0]).get(0).put(new Put(key(++seq[0]), value)),
                () -> pick(bySlot.get(slot[0]), seq[0]).putAsync(new Put(key(++seq[0]), value)), members));
        }
        if (o.runs("kv-follower"))
        {
            paths.add(new Target("kv-follower", "kv cell: typed clients (" + o.connections() + " connections when " +
                "concurrent) to a follower's replica, which forwards to the leader, put of 32 bytes", KV_SAFE, true,
                true, () -> slot[1] = (RaftBenchmark.awaitLeader(replicas) + 1) % 3,
                () -> bySlot.get(slot[1]).get(0).put(new Put(key(++seq[0]), value)),
                () -> pick(bySlot.get(slot[1]), seq[0]).putAsync(new Put(key(++seq[0]), value)), members));
        }
    }

    private static KvClient pick(final List<KvClient> clients, final long n)
    {
        return clients.get((int)(n % clients.size()));
    }

    private static String key(final long n)
    {
        return String.format(Locale.ROOT, "k%07d", n & 1023);
    }

    private static List<KvClient> connect(final Path root, final int slot, final int connections,
        final List<AutoCloseable> open)
    {
        final List<KvClient> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++)
        {
            final KvClient c = KvClient.connect(ClientOptions.defaults().withCellHome(root.resolve("home-" + slot))
                .withCallTimeout(Duration.ofSeconds(30)));
            clients.add(c);
            open.add(0, c);
        }
        return clients;
    }

    /**
     * Ratis' counters of the leader and one follower, for the entries per fsync and per append of a row.
     */
    private static Map<String, Long> counts(final List<String> members)
    {
        final Map<String, Long> all = new LinkedHashMap<>();
        if (members.size() < 2)
        {
            return all;
        }
        RatisTimers.counts(members.get(0)).forEach((k, v) -> all.put("leader." + k, v));
        RatisTimers.counts(members.get(1)).forEach((k, v) -> all.put("follower." + k, v));
        return all;
    }

    private static Map<String, Object> batching(final List<String> members, final Map<String, Long> before)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        if (before.isEmpty())
        {
            return m;
        }
        final Map<String, Long> after = counts(members);
        final String entries = "log_worker.appendEntryCount";
        final String flushes = "log_worker.flushCount";
        m.put("entriesPerLeaderFsync", ratio(after, before, "leader." + entries, "leader." + flushes));
        m.put("entriesPerFollowerFsync", ratio(after, before, "follower." + entries, "follower." + flushes));
        m.put("entriesPerFollowerAppend", ratio(after, before, "follower." + entries,
            "follower.server.follower_append_entry_latency"));
        return m;
    }

    private static Double ratio(final Map<String, Long> after, final Map<String, Long> before, final String num,
        final String den)
    {
        final long n = after.getOrDefault(num, 0L) - before.getOrDefault(num, 0L);
        final long d = after.getOrDefault(den, 0L) - before.getOrDefault(den, 0L);
        return d <= 0 ? null : Math.round(n * 10.0 / d) / 10.0;
    }

    private static void breakdown(final List<Target> paths)
    {
        for (final Target p : paths)
        {
            final List<String> members = p.members().get();
            if (members.isEmpty())
            {
                continue;
            }
            System.out.printf("%nRatis' timers of %s's group after the run (a sample biased to recent values; run " +
                "with --clients 1 for one client's commit); leader %s%n", p.id(), members.get(0));
            System.out.println("| server | timer | count | median us | p99 us |");
            System.out.println("|---|---|---|---|---|");
            final String group = members.get(0).substring(members.get(0).indexOf('@'));
            for (final RatisTimers.Stage s : RatisTimers.stages(group))
            {
                System.out.println(s.row());
            }
        }
        System.out.println();
        System.out.println("threads of this JVM by name (digits and group ids folded), " +
            Thread.getAllStackTraces().size() + " in all:");
        final Map<String, Integer> threads = new java.util.TreeMap<>();
        for (final Thread t : Thread.getAllStackTraces().keySet())
        {
            threads.merge(t.getName().replaceAll("group-[0-9A-F]+", "group").replaceAll("\\d+", "N"), 1,
                Integer::sum);
        }
        threads.forEach((name, n) -> System.out.printf("  %3d %s%n", n, name));
        System.out.println();
    }

    private static Map<String, String> ratisOverrides()
    {
        final Map<String, String> m = new LinkedHashMap<>();
        for (final String name : System.getProperties().stringPropertyNames())
        {
            if (name.startsWith("raft."))
            {
                m.put(name, System.getProperty(name));
            }
        }
        m.putAll(PlainRatisBaseline.tunedProperties());
        return m;
    }

    private static double load1()
    {
        try
        {
            return Double.parseDouble(ComparisonSuite.loadAverage().split(" ")[0]);
        }
        catch (final NumberFormatException ex)
        {
            return Double.NaN;
        }
    }

    private static void deleteTree(final Path root)
    {
        try (var s = Files.walk(root))
        {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // Best effort: it is under the temporary folder.
        }
    }
}
