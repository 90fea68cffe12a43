package dev.cell.tissue.observe;

import dev.cell.ring.CountersSnapshot;
import dev.cell.ring.InstanceCounters;
import dev.cell.ring.ServiceTimes;
import dev.cell.runtime.service.HandlerSlots;
import dev.cell.sbe.codecs.FailureCode;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.ArrayList;
import java.util.List;

/**
 * The Prometheus families of instances' counters ({@link CountersSnapshot}s of their {@code instance.dat}), one
 * data point per instance (labels {@code cell}, {@code instance}) or per handler of an instance ({@code handler}
 * added). Handler slots are named through the genome the instance left in its run folder; a slot is exported when
 * its genome names it (so a handler never called reads 0) or when something was counted in it.
 * <p>
 * Service times are classic Prometheus histograms in seconds, with 26 bounds at the powers of two from 1.023 µs to
 * 34.4 s: each bound is the exact upper end of the instance's log-linear buckets ({@code (2^k - 1)} ns), so the
 * cumulative counts are exact, not interpolated. {@code histogram_quantile} over them is as good as those buckets
 * (a factor of two); the instance's own 256 buckets (within 25 %) stay in the file for {@code cell top}.
 * <p>
 * <b>Note:</b> not thread safe: one per scrape.
 */
final class InstanceMetrics
{
    /**
     * Smallest and largest power of two (in ns) exported as a bucket bound.
     */
    private static final int FIRST_POWER = 10;
    private static final int LAST_POWER = 35;

    private final CounterSnapshot.Builder calls = counter("cell_instance_calls",
        "Requests dispatched by the instance, every handler together.");
    private final CounterSnapshot.Builder errors = counter("cell_instance_errors",
        "Calls the instance answered with a failure or a declared error.");
    private final CounterSnapshot.Builder backPressured = counter("cell_instance_replies_back_pressured",
        "Replies that found the client's ring full and waited for space (kept pending on their session).");
    private final CounterSnapshot.Builder idleSleeps = counter("cell_instance_idle_sleeps",
        "Times the serving thread went to sleep on its doorbell (eco idling).");
    private final CounterSnapshot.Builder idleSlept = CounterSnapshot.builder().name("cell_instance_idle_sleep_seconds")
        .unit(Unit.SECONDS).help("Time the serving thread slept on its doorbell.");
    private final GaugeSnapshot.Builder connections = GaugeSnapshot.builder().name("cell_instance_connections")
        .help("Sessions open on the instance (as of its last housekeeping, every ~100 ms).");
    private final GaugeSnapshot.Builder heartbeatAge = GaugeSnapshot.builder()
        .name("cell_instance_heartbeat_age_seconds").unit(Unit.SECONDS)
        .help("Age of the instance's last heartbeat (written every ~100 ms while it serves).");
    private final InfoSnapshot.Builder info = InfoSnapshot.builder().name("cell_instance")
        .help("An instance: its pid, idle profile and genome fingerprint.");
    private final CounterSnapshot.Builder handlerCalls = counter("cell_handler_calls",
        "Requests dispatched to a handler.");
    private final CounterSnapshot.Builder handlerErrors = counter("cell_handler_errors",
        "Calls of a handler answered with one of its declared errors.");
    private final CounterSnapshot.Builder handlerFailures = counter("cell_handler_failures",
        "Calls answered with a failure, by failure code (handler \"" + HandlerSlots.OTHER + "\": requests that " +
            "named no handler, and handlers past the 64th).");
    private final HistogramSnapshot.Builder serviceTimes = HistogramSnapshot.builder()
        .name("cell_handler_service_seconds").unit(Unit.SECONDS)
        .help("Time a handler ran on the instance (synchronous handlers: the dispatch; asynchronous ones: from " +
            "dispatch to completion), per call.");
    private static final long MAX_COUNT = 1L << 53;

    private int points;
    private int skipped;

    private static CounterSnapshot.Builder counter(final String name, final String help)
    {
        return CounterSnapshot.builder().name(name).help(help);
    }

    /**
     * Add one instance.
     *
     * @param cell     its cell.
     * @param instance its id.
     * @param idle     its idle profile as registered ({@code eco}, {@code spin}).
     * @param s        its counters.
     * @param handlers the handler name of each named slot (from its genome), or null when unknown.
     * @param nowMs    the current time, epoch ms.
     */
    void add(final String cell, final String instance, final String idle, final CountersSnapshot s,
        final List<String> handlers, final long nowMs)
    {
        if (!plausible(s))
        {
            skipped++;
            return;
        }
        points++;
        final Labels labels = Labels.of("cell", cell, "instance", instance);
        calls.dataPoint(counterPoint(labels, s.calls()));
        errors.dataPoint(counterPoint(labels, s.errors()));
        backPressured.dataPoint(counterPoint(labels, s.backPressured()));
        idleSleeps.dataPoint(counterPoint(labels, s.idleSleeps()));
        idleSlept.dataPoint(CounterDataPointSnapshot.builder().labels(labels)
            .value(Unit.nanosToSeconds(s.idleSleptNs())).build());
        connections.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(s.connections()).build());
        heartbeatAge.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
            .value(Unit.millisToSeconds(Math.max(0, nowMs - s.heartbeatEpochMs()))).build());
        info.dataPoint(InfoDataPointSnapshot.builder().labels(labels.merge(Labels.of(
            "pid", Long.toString(s.pid()),
            "idle", profile(s.idleProfile(), idle),
            "fingerprint", String.format("%016x", s.fingerprint())))).build());
        for (int slot = 0; slot < InstanceCounters.SLOTS; slot++)
        {
            final String name = slotName(slot, handlers);
            if ((handlers != null && slot < handlers.size()) || s.slotUsed(slot))
            {
                addSlot(labels.add("handler", name), s, slot);
            }
        }
    }

    /**
     * @return how many instances {@link #add} left out because their counters cannot be counts.
     */
    int skipped()
    {
        return skipped;
    }

    /**
     * Another process writes the file: a negative counter (or one past 2^53, where sums of them could wrap and a
     * double stops counting by ones) would make the Prometheus model refuse the whole scrape, so such an instance is
     * left out of it instead.
     */
    static boolean plausible(final CountersSnapshot s)
    {
        if (!count(s.calls()) || !count(s.errors()) || !count(s.backPressured()) || !count(s.idleSleeps()) ||
            !count(s.idleSleptNs()) || !count(s.connections()))
        {
            return false;
        }
        for (int slot = 0; slot < InstanceCounters.SLOTS; slot++)
        {
            if (!count(s.slotCalls(slot)) || !count(s.slotDeclaredErrors(slot)) || !count(s.slotSumNs(slot)))
            {
                return false;
            }
            for (int code = 0; code < InstanceCounters.FAILURE_CODES; code++)
            {
                if (!count(s.slotFailures(slot, code)))
                {
                    return false;
                }
            }
            for (int b = 0; b < ServiceTimes.BUCKETS; b++)
            {
                if (!count(s.slotBucket(slot, b)))
                {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean count(final long v)
    {
        return v >= 0 && v < MAX_COUNT;
    }

    private static String slotName(final int slot, final List<String> handlers)
    {
        if (slot == InstanceCounters.OTHER_SLOT)
        {
            return HandlerSlots.OTHER;
        }
        return handlers != null && slot < handlers.size() ? handlers.get(slot) : "slot-" + slot;
    }

    private static String profile(final int published, final String registered)
    {
        return switch (published)
        {
            case InstanceCounters.IDLE_ECO -> "eco";
            case InstanceCounters.IDLE_SPIN -> "spin";
            default -> registered == null ? "" : registered;
        };
    }

    private void addSlot(final Labels labels, final CountersSnapshot s, final int slot)
    {
        handlerCalls.dataPoint(counterPoint(labels, s.slotCalls(slot)));
        handlerErrors.dataPoint(counterPoint(labels, s.slotDeclaredErrors(slot)));
        for (int code = 0; code < InstanceCounters.FAILURE_CODES; code++)
        {
            final long n = s.slotFailures(slot, code);
            if (n != 0)
            {
                handlerFailures.dataPoint(counterPoint(labels.add("code", failureName(code)), n));
            }
        }
        serviceTimes.dataPoint(HistogramDataPointSnapshot.builder().labels(labels)
            .classicHistogramBuckets(buckets(s, slot))
            .sum(Unit.nanosToSeconds(s.slotSumNs(slot))).build());
    }

    private static String failureName(final int code)
    {
        final FailureCode f = FailureCode.get((short)code);
        return f == FailureCode.NULL_VAL ? "OTHER" : f.name();
    }

    /**
     * @return the slot's histogram in the exported bounds: each bound is the upper end of a power-of-two group of
     * the instance's buckets, so what falls below it is exact.
     */
    static ClassicHistogramBuckets buckets(final CountersSnapshot s, final int slot)
    {
        final ClassicHistogramBuckets.Builder b = ClassicHistogramBuckets.builder();
        int next = 0;
        for (int power = FIRST_POWER; power <= LAST_POWER; power++)
        {
            final int last = bucketEndingBelow(power);
            long n = 0;
            for (; next <= last; next++)
            {
                n += s.slotBucket(slot, next);
            }
            b.bucket(Unit.nanosToSeconds(ServiceTimes.upperBound(last)), n);
        }
        long rest = 0;
        for (; next < ServiceTimes.BUCKETS; next++)
        {
            rest += s.slotBucket(slot, next);
        }
        b.bucket(Double.POSITIVE_INFINITY, rest);
        return b.build();
    }

    /**
     * @param power a power of two.
     * @return the last of the instance's buckets whose durations are all below {@code 2^power} ns.
     */
    static int bucketEndingBelow(final int power)
    {
        return (power - 1) * 4 + 3;
    }

    private static CounterDataPointSnapshot counterPoint(final Labels labels, final long value)
    {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    /**
     * @return the families, empty when no instance was added.
     */
    List<MetricSnapshot> build()
    {
        final List<MetricSnapshot> out = new ArrayList<>();
        if (points == 0)
        {
            return out;
        }
        out.add(info.build());
        out.add(calls.build());
        out.add(errors.build());
        out.add(backPressured.build());
        out.add(connections.build());
        out.add(idleSleeps.build());
        out.add(idleSlept.build());
        out.add(heartbeatAge.build());
        out.add(handlerCalls.build());
        out.add(handlerErrors.build());
        final CounterSnapshot failures = handlerFailures.build();
        if (!failures.getDataPoints().isEmpty())
        {
            out.add(failures);
        }
        out.add(serviceTimes.build());
        return out;
    }
}
