package dev.cell.perf;

import dev.cell.perf.suite.ComparisonSuite;
import dev.cell.raft.GroupMember;
import dev.cell.raft.ReplicaOptions;
import dev.cell.registry.Instances;
import dev.cell.registry.Lookup;
import dev.cell.registry.RegistryClient;
import dev.cell.registry.RegistryConfig;
import dev.cell.registry.RegistryHost;
import dev.cell.registry.RegistryLease;
import dev.cell.registry.RegistryNode;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.ServerOptions;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The registry as four hosts run it, in one JVM: four registry replicas on 127.0.0.1-4 (a group spanning hosts, so
 * Ratis over gRPC with the group's mutual TLS), voters on the first three and a listener on the fourth, each host
 * answering from its own replica. Measured, in this order:
 * <ul>
 * <li>write latency: an announcement (a lease grant, one log entry), a renewal (kept by the leader, no entry) and a
 * revocation, each sent to the leader's host;</li>
 * <li>local read latency: the instance list of one cell read from the listener's own replica and from the
 * leader's;</li>
 * <li>membership convergence: from the start of an announcement until every host's replica lists the instance, from
 * the start of a revocation (a clean stop) until none does, and from the last renewal of an instance that stopped
 * renewing (a crash) until none does;</li>
 * <li>failover: from stopping the leader's replica until a new leader is elected, and until an announcement sent
 * to the hosts left has committed.</li>
 * </ul>
 * <pre>
 * java -cp 'perf/target/classes:perf/target/lib/*' dev.cell.perf.RegistryBenchmark \
 *      [--writes 300] [--reads 20000] [--trials 10] [--crashes 3] [--failovers 3] [--renew-ms 250] [--misses 4]
 *      [--election-ms 400] [--dir folder] [--json file]
 * </pre>
 * ({@code ./cell perf registry}). Not a test: it prints figures and asserts nothing.
 */
public final class RegistryBenchmark
{
    private static final int HOSTS = 4;
    private static final String CELL = "bench";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private RegistryBenchmark()
    {
    }

    /**
     * What to run.
     *
     * @param writes     announcements (and as many renewals and revocations) measured.
     * @param reads      local reads measured per replica.
     * @param trials     convergence trials (announce, revoke).
     * @param crashes    trials of an instance that stops renewing.
     * @param failovers  leader replicas stopped (each restarted after).
     * @param renewMs    renewal interval.
     * @param misses     renewals missed before a lease expires.
     * @param electionMs minimum election timeout.
     * @param dir        where the registry folders go (null: a temporary folder).
     * @param json       where the results go.
     */
    record Options(int writes, int reads, int trials, int crashes, int failovers, long renewMs, int misses,
        long electionMs, Path dir, Path json)
    {
    }

    static Options parse(final String[] args) throws IOException
    {
        int writes = 300;
        int reads = 20_000;
        int trials = 10;
        int crashes = 3;
        int failovers = 3;
        long renewMs = 250;
        int misses = 4;
        long electionMs = 400;
        Path dir = null;
        Path json = null;
        for (int i = 0; i < args.length; i += 2)
        {
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            final String v = args[i + 1];
            switch (args[i])
            {
                case "--writes" -> writes = Integer.parseInt(v);
                case "--reads" -> reads = Integer.parseInt(v);
                case "--trials" -> trials = Integer.parseInt(v);
                case "--crashes" -> crashes = Integer.parseInt(v);
                case "--failovers" -> failovers = Integer.parseInt(v);
                case "--renew-ms" -> renewMs = Long.parseLong(v);
                case "--misses" -> misses = Integer.parseInt(v);
                case "--election-ms" -> electionMs = Long.parseLong(v);
                case "--dir" -> dir = Path.of(v);
                case "--json" -> json = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; use --writes N, " +
                    "--reads N, --trials N, --crashes N, --failovers N, --renew-ms MS, --misses N, --election-ms MS, " +
                    "--dir folder, --json file");
            }
        }
        if (json == null)
        {
            json = Path.of("perf", "results", ComparisonSuite.resultsBaseName(LocalDate.now(ZoneOffset.UTC),
                Runtime.getRuntime().availableProcessors(), ComparisonSuite.cpuModel()) + "-registry.json");
        }
        return new Options(writes, reads, trials, crashes, failovers, renewMs, misses, electionMs, dir, json);
    }

    /**
     * @param args see the class comment.
     * @throws Exception when the group does not start.
     */
    public static void main(final String[] args) throws Exception
    {
        final Options o = parse(args);
        final Map<String, Object> report = run(o);
        Files.createDirectories(o.json().toAbsolutePath().getParent());
        Files.writeString(o.json(), ComparisonSuite.prettyJson(report));
        System.out.println("written to " + o.json());
    }

    static Map<String, Object> run(final Options o) throws Exception
    {
        System.setProperty(RegistryNode.AGENT_PROPERTY, "false");
        final String machine = Runtime.getRuntime().availableProcessors() + " cpus, " + ComparisonSuite.cpuModel() +
            ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", JDK " +
            Runtime.version();
        final String loadAtStart = ComparisonSuite.loadAverage();
        System.out.printf(Locale.ROOT, "RegistryBenchmark: %s; load average %s; %d hosts on 127.0.0.1-%d (voters " +
            "1-3, listener %d), gRPC with mutual TLS, renew every %d ms, expire after %d misses, election %d-%d ms%n",
            machine, loadAtStart, HOSTS, HOSTS, HOSTS, o.renewMs(), o.misses(), o.electionMs(), 2 * o.electionMs());
        final Path root = o.dir() != null ? Files.createDirectories(o.dir()) : Files.createTempDirectory("cell-reg-");
        try (Group g = new Group(root, o))
        {
            g.startAll();
            final Map<String, Object> rows = new LinkedHashMap<>();
            writes(g, o, rows);
            reads(g, o, rows);
            convergence(g, o, rows);
            failover(g, o, rows);
            final Map<String, Object> json = new LinkedHashMap<>();
            json.put("benchmark", "registry");
            json.put("date", LocalDate.now(ZoneOffset.UTC).toString());
            json.put("machine", machine);
            json.put("loadAverageAtStart", loadAtStart);
            json.put("loadAverageAtEnd", ComparisonSuite.loadAverage());
            json.put("hosts", HOSTS);
            json.put("voters", HOSTS - 1);
            json.put("renewMs", o.renewMs());
            json.put("misses", o.misses());
            json.put("electionMs", o.electionMs());
            json.put("rows", rows);
            return json;
        }
        finally
        {
            if (o.dir() == null)
            {
                deleteTree(root);
            }
        }
    }

    private static void writes(final Group g, final Options o, final Map<String, Object> rows) throws Exception
    {
        final Histogram grant = new Histogram(3);
        final Histogram renew = new Histogram(3);
        final Histogram revoke = new Histogram(3);
        final int leader = g.leader();
        try (RegistryLease lease = g.lease("writer", List.of(leader)))
        {
            for (int i = 0; i < o.writes() + 20; i++)
            {
                final boolean measured = i >= 20;
                long t0 = System.nanoTime();
                lease.announce();
                record(grant, t0, measured);
                t0 = System.nanoTime();
                lease.renew(RegistryLease.Load.NONE);
                record(renew, t0, measured);
                t0 = System.nanoTime();
                lease.revoke();
                record(revoke, t0, measured);
            }
        }
        rows.put("announce", row("announcement committed (grant, one log entry), sent to the leader's host", grant));
        rows.put("renew", row("renewal answered by the leader (no log entry)", renew));
        rows.put("revoke", row("revocation committed (one log entry)", revoke));
    }

    private static void reads(final Group g, final Options o, final Map<String, Object> rows) throws Exception
    {
        try (RegistryLease lease = g.lease("listed", List.of(g.leader())))
        {
            lease.announce();
            lease.startRenewing(() -> RegistryLease.Load.NONE);
            g.await("listed on every host", () -> g.onEveryHost("listed", true));
            for (final int host : List.of(HOSTS - 1, g.leader()))
            {
                final Histogram h = new Histogram(3);
                final RegistryClient reader = g.reader(host);
                final Lookup lookup = new Lookup(CELL, "", "", "", 0);
                for (int i = 0; i < o.reads() + 2_000; i++)
                {
                    final long t0 = System.nanoTime();
                    final Instances list = reader.instances(lookup);
                    if (list.instances().isEmpty())
                    {
                        throw new IllegalStateException("host " + host + " (leader " + g.leader() +
                            ") lost the instance it listed; renewals " + lease.renewals() + ", last renewed " +
                            (System.nanoTime() - lease.lastRenewedNanos()) / 1_000_000 + " ms ago");
                    }
                    record(h, t0, i >= 2_000);
                }
                final boolean listener = host == HOSTS - 1;
                rows.put(listener ? "read-listener" : "read-leader", row("instance list read from the " +
                    (listener ? "listener's" : "leader's") + " own replica (a local, stale read)", h));
            }
        }
    }

    private static void convergence(final Group g, final Options o, final Map<String, Object> rows) throws Exception
    {
        final Histogram joined = new Histogram(3);
        final Histogram left = new Histogram(3);
        for (int i = 0; i < o.trials(); i++)
        {
            final String id = "converge-" + i;
            try (RegistryLease lease = g.lease(id, List.of(g.leader())))
            {
                long t0 = System.nanoTime();
                lease.announce();
                g.await(id + " on every host", () -> g.onEveryHost(id, true));
                joined.recordValue(System.nanoTime() - t0);
                t0 = System.nanoTime();
                lease.revoke();
                g.await(id + " off every host", () -> g.onEveryHost(id, false));
                left.recordValue(System.nanoTime() - t0);
            }
        }
        rows.put("converge-start", row("announcement started -> listed by every host's replica", joined));
        rows.put("converge-stop", row("revocation (clean stop) started -> listed by no host", left));
        final Histogram crashed = new Histogram(3);
        for (int i = 0; i < o.crashes(); i++)
        {
            final String id = "crash-" + i;
            try (RegistryLease lease = g.lease(id, List.of(g.leader())))
            {
                lease.announce();
                lease.startRenewing(() -> RegistryLease.Load.NONE);
                final long renewals = lease.renewals();
                g.await(id + " renewed and on every host", () -> lease.renewals() > renewals &&
                    g.onEveryHost(id, true));
                lease.stopRenewing();
                final long lastNs = lease.lastRenewedNanos();
                g.await(id + " expired off every host", () -> g.onEveryHost(id, false));
                crashed.recordValue(System.nanoTime() - lastNs);
            }
        }
        rows.put("converge-crash", row("last renewal of an instance that stopped renewing -> listed by no host " +
            "(TTL " + o.renewMs() * o.misses() + " ms)", crashed));
    }

    private static void failover(final Group g, final Options o, final Map<String, Object> rows) throws Exception
    {
        final Histogram elected = new Histogram(3);
        final Histogram committed = new Histogram(3);
        for (int i = 0; i < o.failovers(); i++)
        {
            final int gone = g.leader();
            final List<Integer> left = new ArrayList<>();
            for (int h = 0; h < HOSTS; h++)
            {
                if (h != gone)
                {
                    left.add(h);
                }
            }
            final String id = "failover-" + i;
            try (RegistryLease lease = g.lease(id, left))
            {
                final long t0 = System.nanoTime();
                g.stop(gone);
                final Thread announcer = Thread.ofPlatform().start(() ->
                {
                    try
                    {
                        lease.announce();
                    }
                    catch (final Exception ex)
                    {
                        throw new IllegalStateException(ex);
                    }
                });
                g.await("a new leader", () -> g.leader() >= 0);
                elected.recordValue(System.nanoTime() - t0);
                announcer.join(WAIT.toMillis());
                if (announcer.isAlive() || lease.lease() == null)
                {
                    throw new IllegalStateException("no announcement committed after the leader's replica stopped");
                }
                committed.recordValue(System.nanoTime() - t0);
                lease.revoke();
            }
            g.start(gone);
            g.await("host " + gone + " back and caught up", () -> g.nodes[gone].replica().appliedIndex() >=
                g.nodes[g.leader()].replica().appliedIndex());
        }
        rows.put("failover-elected", row("leader's replica stopped -> a new leader elected", elected));
        rows.put("failover-commit", row("leader's replica stopped -> an announcement to the hosts left committed",
            committed));
    }

    private static void record(final Histogram h, final long t0, final boolean measured)
    {
        if (measured)
        {
            h.recordValue(System.nanoTime() - t0);
        }
    }

    private static Map<String, Object> row(final String what, final Histogram h)
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        r.put("what", what);
        r.put("count", h.getTotalCount());
        r.put("p50Us", round(h.getValueAtPercentile(50) / 1e3));
        r.put("p99Us", round(h.getValueAtPercentile(99) / 1e3));
        r.put("maxUs", round(h.getMaxValue() / 1e3));
        System.out.printf(Locale.ROOT, "| %-100s | %6d | %10.1f | %10.1f | %10.1f |%n", what, h.getTotalCount(),
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
        return r;
    }

    private static double round(final double v)
    {
        return Math.round(v * 10) / 10.0;
    }

    private static void deleteTree(final Path root) throws IOException
    {
        try (Stream<Path> s = Files.walk(root))
        {
            for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * The four replicas, a reader per host, and the leases' key.
     */
    private static final class Group implements AutoCloseable
    {
        final RegistryNode[] nodes = new RegistryNode[HOSTS];
        private final RegistryClient[] readers = new RegistryClient[HOSTS];
        private final Path root;
        private final Options o;
        private final Identity key;

        Group(final Path root, final Options o) throws IOException
        {
            this.root = root;
            this.o = o;
            final List<GroupMember> members = new ArrayList<>();
            for (int i = 0; i < HOSTS; i++)
            {
                members.add(new GroupMember(i, address(i), freePort(address(i)), i == HOSTS - 1));
            }
            RegistryHost.define(dir(0), members);
            for (int i = 1; i < HOSTS; i++)
            {
                RegistryHost.copy(dir(0), dir(i));
            }
            key = Identity.loadOrCreate(root.resolve("keys").resolve(CELL + ".key"));
        }

        static String address(final int host)
        {
            return "127.0.0." + (host + 1);
        }

        Path dir(final int host)
        {
            return root.resolve("host-" + host).resolve("registry");
        }

        Path home(final int host)
        {
            return root.resolve("host-" + host).resolve("home");
        }

        void startAll()
        {
            for (int i = 0; i < HOSTS; i++)
            {
                start(i);
            }
            await("a leader", () -> leader() >= 0);
        }

        void start(final int host)
        {
            final RegistryConfig config = RegistryConfig.defaults(Identity.loadOrCreate(
                AxonOptions.identityFileOf(dir(host)))).withRenewEvery(Duration.ofMillis(o.renewMs()), o.misses());
            nodes[host] = RegistryNode.start(dir(host), ReplicaOptions.defaults().withSlot(host)
                .withElectionMs(o.electionMs())
                .withServer(ServerOptions.defaults().withCellHome(home(host)).withInstanceId("registry-r" + host)),
                config);
        }

        void stop(final int host)
        {
            if (readers[host] != null)
            {
                readers[host].close();
                readers[host] = null;
            }
            nodes[host].close();
            nodes[host] = null;
        }

        int leader()
        {
            for (int i = 0; i < HOSTS; i++)
            {
                if (nodes[i] != null && nodes[i].isLeader())
                {
                    return i;
                }
            }
            return -1;
        }

        ClientOptions options(final int host)
        {
            return ClientOptions.defaults().withCellHome(home(host)).withClientName("registry-bench")
                .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(5));
        }

        RegistryClient reader(final int host)
        {
            if (readers[host] == null)
            {
                readers[host] = RegistryClient.connect(options(host));
            }
            return readers[host];
        }

        RegistryLease lease(final String id, final List<Integer> through)
        {
            final List<ClientOptions> replicas = new ArrayList<>();
            through.forEach(h -> replicas.add(options(h)));
            return new RegistryLease(key, new RegistryLease.Spec(CELL, "1.0.0", "0123456789abcdef", id, "host-4",
                "lab", "", address(HOSTS - 1) + ":7400", List.of()), replicas);
        }

        /**
         * @return whether every running host's replica lists {@code id} ({@code listed}) or none does.
         */
        boolean onEveryHost(final String id, final boolean listed)
        {
            for (int h = 0; h < HOSTS; h++)
            {
                if (nodes[h] == null)
                {
                    continue;
                }
                final boolean found = reader(h).instances(new Lookup(CELL, "", "", "", 0)).instances().stream()
                    .anyMatch(info -> info.instanceId().equals(id));
                if (found != listed)
                {
                    return false;
                }
            }
            return true;
        }

        void await(final String what, final BooleanSupplier condition)
        {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (!condition.getAsBoolean())
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("timed out after " + WAIT + " waiting for " + what);
                }
                LockSupport.parkNanos(200_000L);
            }
        }

        @Override
        public void close()
        {
            for (int i = 0; i < HOSTS; i++)
            {
                if (nodes[i] != null)
                {
                    stop(i);
                }
            }
        }
    }

    private static int freePort(final String host) throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host)))
        {
            return s.getLocalPort();
        }
    }
}
