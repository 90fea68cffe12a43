package dev.cell.perf.state;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The state benchmark's rows (merged over rounds), its table, its JSON and the goals checked against the same run's
 * disk floor. A row that acknowledges before a majority has synced ({@link Row#majoritySynced()} false) is labelled
 * and never counts toward a goal; reference rows (floors, loopback) are not engines and do not either.
 */
public final class StateReport
{
    /** The floor row every latency goal is measured against. */
    public static final String FLOOR = "fdatasync-floor";
    /** Latency goal: 1 client, p50 at most this many times the floor's p50. */
    public static final double P50_TIMES_FLOOR = 2.0;
    /** Latency goal: 1 client, p99 at most this many times the row's own p50. */
    public static final double P99_TIMES_P50 = 5.0;
    /** Throughput goal with many clients, commits per second. */
    public static final double COMMITS_PER_SEC = 50_000;
    /** The engine decision: Ratis is kept when within this factor of Aeron Cluster on latency and throughput. */
    public static final double ENGINE_RATIO = 2.0;

    private final Map<String, Row> rows = new LinkedHashMap<>();

    /**
     * One path at one concurrency, merged over rounds.
     *
     * @param id             the path's id (the same for its 1-client and many-client rows).
     * @param what           the path in words.
     * @param clients        calls in flight (1: back to back).
     * @param durability     when the path acknowledges a write, in words, with the settings that decide it.
     * @param majoritySynced whether a write is acknowledged only after a majority of replicas synced it.
     * @param engine         whether the row is a replicated engine (else a reference: floor, loopback).
     * @param histogram      latencies of every round, ns.
     * @param rounds         per round: p50 µs, commits/s, CPU µs per commit, 1-minute load average at its start, and
     *                       the batching figures Ratis' counters gave.
     */
    public record Row(String id, String what, int clients, String durability, boolean majoritySynced, boolean engine,
        Histogram histogram, List<Map<String, Object>> rounds)
    {
        /**
         * @return p50 in µs.
         */
        public double p50Us()
        {
            return histogram.getValueAtPercentile(50) / 1e3;
        }

        /**
         * @return p99 in µs.
         */
        public double p99Us()
        {
            return histogram.getValueAtPercentile(99) / 1e3;
        }

        /**
         * @return the mean over rounds of commits per second.
         */
        public double commitsPerSec()
        {
            return mean("commitsPerSec");
        }

        /**
         * @param key a per-round figure.
         * @return its mean over the rounds that have it, NaN when none has.
         */
        public double mean(final String key)
        {
            double sum = 0;
            int n = 0;
            for (final Map<String, Object> r : rounds)
            {
                if (r.get(key) instanceof Number v && !Double.isNaN(v.doubleValue()))
                {
                    sum += v.doubleValue();
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }

        String key()
        {
            return id + "/" + clients;
        }
    }

    /**
     * Add one round of a row.
     *
     * @param id             the path's id.
     * @param what           the path in words.
     * @param clients        calls in flight.
     * @param durability     when it acknowledges, in words.
     * @param majoritySynced acknowledged only after a majority synced.
     * @param engine         a replicated engine (else a reference row).
     * @param sample         the round's measurement.
     * @param extra          further per-round figures (batching), may be empty.
     * @param loadAverage    the 1-minute load average when the round started.
     */
    public void add(final String id, final String what, final int clients, final String durability,
        final boolean majoritySynced, final boolean engine, final Load.Sample sample, final Map<String, Object> extra,
        final double loadAverage)
    {
        final Row row = rows.computeIfAbsent(id + "/" + clients, k -> new Row(id, what, clients, durability,
            majoritySynced, engine, Load.histogram(), new ArrayList<>()));
        row.histogram().add(sample.histogram());
        final Map<String, Object> round = new LinkedHashMap<>();
        round.put("p50Us", round1(sample.histogram().getValueAtPercentile(50) / 1e3));
        round.put("p99Us", round1(sample.histogram().getValueAtPercentile(99) / 1e3));
        round.put("commitsPerSec", Math.round(sample.perSecond()));
        round.put("failures", sample.failures());
        round.put("cpuUsPerCommit", sample.calls() == 0 || sample.cpuNs() <= 0 ? null :
            round1(sample.cpuNs() / 1e3 / sample.calls()));
        round.put("loadAverage1m", loadAverage);
        round.putAll(extra);
        row.rounds().add(round);
    }

    /**
     * @return the rows in the order they were first added.
     */
    public List<Row> rows()
    {
        return List.copyOf(rows.values());
    }

    /**
     * @return the goals, each checked against this run's rows: row, clients, goal, value, limit, met.
     */
    public List<Map<String, Object>> goals()
    {
        final List<Map<String, Object>> goals = new ArrayList<>();
        final Row floor = rows.get(FLOOR + "/1");
        for (final Row r : rows.values())
        {
            if (!r.engine() || !r.majoritySynced())
            {
                continue;
            }
            if (r.clients() == 1 && floor != null)
            {
                goals.add(goal(r, "p50 <= " + P50_TIMES_FLOOR + " x floor p50 (us)", r.p50Us(),
                    P50_TIMES_FLOOR * floor.p50Us(), true));
                goals.add(goal(r, "p99 <= " + P99_TIMES_P50 + " x own p50 (us)", r.p99Us(),
                    P99_TIMES_P50 * r.p50Us(), true));
            }
            else if (r.clients() > 1)
            {
                goals.add(goal(r, "commits/s >= " + (long)COMMITS_PER_SEC, r.commitsPerSec(), COMMITS_PER_SEC,
                    false));
            }
        }
        return goals;
    }

    /**
     * Issue 14's decision rule, from this run: the best Ratis figures (any synced Ratis or {@code kv} row) against the
     * best Aeron Cluster figures, 1-client p50 and many-client commits/s. Ratis is kept when both ratios are within
     * {@link #ENGINE_RATIO}.
     *
     * @return the figures and the verdict, or an empty map when the run has no Aeron Cluster row or no Ratis row.
     */
    public Map<String, Object> engineComparison()
    {
        final Row[] ratis = best(false);
        final Row[] aeron = best(true);
        final Map<String, Object> m = new LinkedHashMap<>();
        if (ratis[0] == null || aeron[0] == null || ratis[1] == null || aeron[1] == null)
        {
            return m;
        }
        final double latency = ratis[0].p50Us() / aeron[0].p50Us();
        final double throughput = aeron[1].commitsPerSec() / ratis[1].commitsPerSec();
        m.put("ratisBestP50", ratis[0].id() + " " + round1(ratis[0].p50Us()) + " us");
        m.put("aeronBestP50", aeron[0].id() + " " + round1(aeron[0].p50Us()) + " us");
        m.put("p50Ratio", Math.round(latency * 100) / 100.0);
        m.put("ratisBestCommitsPerSec", ratis[1].id() + " " + Math.round(ratis[1].commitsPerSec()));
        m.put("aeronBestCommitsPerSec", aeron[1].id() + " " + Math.round(aeron[1].commitsPerSec()));
        m.put("commitsPerSecRatio", Math.round(throughput * 100) / 100.0);
        m.put("ratisWithin2x", latency <= ENGINE_RATIO && throughput <= ENGINE_RATIO);
        return m;
    }

    /**
     * @return the synced engine rows of one kind with the lowest 1-client p50 and the most commits/s concurrently.
     */
    private Row[] best(final boolean aeron)
    {
        final Row[] best = new Row[2];
        for (final Row r : rows.values())
        {
            if (!r.engine() || !r.majoritySynced() || r.id().startsWith("aeron-cluster") != aeron)
            {
                continue;
            }
            if (r.clients() == 1 && (best[0] == null || r.p50Us() < best[0].p50Us()))
            {
                best[0] = r;
            }
            if (r.clients() > 1 && (best[1] == null || r.commitsPerSec() > best[1].commitsPerSec()))
            {
                best[1] = r;
            }
        }
        return best;
    }

    private static Map<String, Object> goal(final Row r, final String what, final double value, final double limit,
        final boolean atMost)
    {
        final Map<String, Object> g = new LinkedHashMap<>();
        g.put("row", r.id());
        g.put("clients", r.clients());
        g.put("goal", what);
        g.put("value", round1(value));
        g.put("limit", round1(limit));
        g.put("met", atMost ? value <= limit : value >= limit);
        return g;
    }

    /**
     * @return one JSON-ready entry per row: id, clients, p50Us, p99Us, commitsPerSec, the durability settings, and
     * what else the run measured.
     */
    public List<Map<String, Object>> jsonRows()
    {
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final Row r : rows.values())
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("clients", r.clients());
            m.put("p50Us", round1(r.p50Us()));
            m.put("p99Us", round1(r.p99Us()));
            m.put("p999Us", round1(r.histogram().getValueAtPercentile(99.9) / 1e3));
            m.put("maxUs", round1(r.histogram().getMaxValue() / 1e3));
            m.put("commitsPerSec", Math.round(r.commitsPerSec()));
            m.put("calls", r.histogram().getTotalCount());
            m.put("durability", r.durability());
            m.put("acknowledgedAfterMajoritySync", r.majoritySynced());
            m.put("countsTowardGoals", r.engine() && r.majoritySynced());
            m.put("what", r.what());
            m.put("rounds", r.rounds());
            out.add(m);
        }
        return out;
    }

    /**
     * @return the table (markdown), the goals under it.
     */
    public String table()
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| row | clients | p50 us | p99 us | commits/s | CPU us/commit | entries/fsync leader | " +
            "entries/append | load 1m | durability |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (final Row r : rows.values())
        {
            final boolean moved = r.rounds().stream().anyMatch(x -> Boolean.TRUE.equals(x.get("leaderChanged")));
            sb.append(String.format(Locale.ROOT, "| %s%s%s | %d | %.1f | %.1f | %,.0f | %s | %s | %s | %s | %s |%n",
                r.id(), r.majoritySynced() ? "" : " (UNSAFE: acks before a majority synced, not a goal)",
                moved ? " (the leader changed during a round)" : "",
                r.clients(), r.p50Us(), r.p99Us(), r.commitsPerSec(), figure(r.mean("cpuUsPerCommit")),
                figure(r.mean("entriesPerLeaderFsync")), figure(r.mean("entriesPerFollowerAppend")),
                figure(r.mean("loadAverage1m")), r.durability()));
        }
        sb.append('\n');
        for (final Map<String, Object> g : goals())
        {
            sb.append(String.format(Locale.ROOT, "goal %-20s %2s clients: %-34s %12s vs %12s  %s%n", g.get("row"),
                g.get("clients"), g.get("goal"), g.get("value"), g.get("limit"),
                Boolean.TRUE.equals(g.get("met")) ? "met" : "NOT met"));
        }
        final Map<String, Object> c = engineComparison();
        if (!c.isEmpty())
        {
            sb.append(String.format(Locale.ROOT, "%nengines: 1-client p50 %s against %s (%.2fx); commits/s %s against " +
                "%s (%.2fx): %s%n", c.get("ratisBestP50"), c.get("aeronBestP50"), c.get("p50Ratio"),
                c.get("ratisBestCommitsPerSec"), c.get("aeronBestCommitsPerSec"), c.get("commitsPerSecRatio"),
                Boolean.TRUE.equals(c.get("ratisWithin2x")) ? "Ratis within 2x of Aeron Cluster: keep Ratis" :
                "Ratis not within 2x of Aeron Cluster"));
        }
        return sb.toString();
    }

    private static String figure(final double v)
    {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    static double round1(final double v)
    {
        return Double.isNaN(v) || Double.isInfinite(v) ? v : Math.round(v * 10) / 10.0;
    }
}
