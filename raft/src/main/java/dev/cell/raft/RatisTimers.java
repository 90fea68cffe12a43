package dev.cell.raft;

import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The timers Ratis keeps per server (its log worker's queueing, write and fsync, the follower's append, the leader's
 * client requests), read from Ratis' metric registries in this JVM: where a commit's time goes, stage by stage.
 * Benchmark support; no Ratis type in its API.
 *
 * @since 0.1
 */
public final class RatisTimers
{
    private RatisTimers()
    {
    }

    /**
     * One timer of one server.
     *
     * @param server   the server and group ({@code r0@group-…}).
     * @param name     the timer, without Ratis' prefix (e.g. {@code log_worker.syncTime}).
     * @param count    how many times it was timed.
     * @param medianUs its median, in microseconds (Ratis' timers keep a sample of recent values).
     * @param p99Us    its 99th percentile, in microseconds.
     */
    public record Stage(String server, String name, long count, double medianUs, double p99Us)
    {
        /**
         * @return one line for a table.
         */
        public String row()
        {
            return String.format(Locale.ROOT, "| %-22s | %-42s | %8d | %9.1f | %9.1f |", server, name, count,
                medianUs, p99Us);
        }
    }

    /**
     * @param groupPrefix keep only servers whose name contains this (e.g. a group id's last characters), or null.
     * @return every non-empty timer of every Ratis server in this JVM.
     */
    public static List<Stage> stages(final String groupPrefix)
    {
        final List<Stage> stages = new ArrayList<>();
        for (final RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries())
        {
            if (!(registry instanceof RatisMetricRegistryImpl impl))
            {
                continue;
            }
            final MetricRegistryInfo info = registry.getMetricRegistryInfo();
            final String server = info.getPrefix();
            if (groupPrefix != null && (server == null || !server.contains(groupPrefix)))
            {
                continue;
            }
            for (final Map.Entry<String, Timer> e : impl.getDropWizardMetricRegistry().getTimers().entrySet())
            {
                final Timer timer = e.getValue();
                if (timer.getCount() == 0)
                {
                    continue;
                }
                final Snapshot snapshot = timer.getSnapshot();
                stages.add(new Stage(server, shortName(e.getKey(), server), timer.getCount(),
                    snapshot.getMedian() / 1e3, snapshot.get99thPercentile() / 1e3));
            }
        }
        stages.sort((a, b) -> a.server().equals(b.server()) ? a.name().compareTo(b.name()) :
            a.server().compareTo(b.server()));
        return stages;
    }

    /**
     * Ratis' counters (e.g. {@code log_worker.flushCount}, {@code log_worker.appendEntryCount}) and how often each
     * timer ran (e.g. {@code server.follower_append_entry_latency}) for one server: the difference of two calls says
     * how many entries went into each fsync and each append in between.
     *
     * @param member the server and group as Ratis names it ({@code r0@group-…}).
     * @return name to count, cumulative since the server started.
     */
    public static Map<String, Long> counts(final String member)
    {
        final Map<String, Long> counts = new java.util.TreeMap<>();
        for (final RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries())
        {
            if (!(registry instanceof RatisMetricRegistryImpl impl) ||
                !member.equals(registry.getMetricRegistryInfo().getPrefix()))
            {
                continue;
            }
            // A server can hold more than one registry of a kind (re-created at a role change): keep the larger count.
            impl.getDropWizardMetricRegistry().getCounters()
                .forEach((name, c) -> counts.merge(shortName(name, member), c.getCount(), Math::max));
            impl.getDropWizardMetricRegistry().getTimers()
                .forEach((name, t) -> counts.merge(shortName(name, member), t.getCount(), Math::max));
        }
        return counts;
    }

    private static String shortName(final String name, final String server)
    {
        // ratis.log_worker.r0@group-….syncTime → log_worker.syncTime
        String n = name.startsWith("ratis.") ? name.substring("ratis.".length()) : name;
        if (server != null)
        {
            n = n.replace("." + server, "");
        }
        return n;
    }
}
