package dev.cell.perf.suite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The ratios the project aims for, each taken from two paths of the same run: a Cell path against the raw transport
 * it is built on (the junction against Aeron IPC, the axon against Aeron UDP, both at most 1.5 times as slow),
 * gRPC against the axon (at least 10 times as slow at the median, 100 times at p99.9), and the junction call with
 * per-handler metrics and a span per request against the same call with neither (at most 1.2 times as slow). A p50
 * ratio is the median of the per-round ratios, like every p50 ratio of the suite; a p99.9 ratio comes from all
 * rounds merged. A target whose two paths did not both run is left out.
 */
final class Targets
{
    /**
     * One target.
     *
     * @param of         the path whose figure is divided.
     * @param base       the path it is divided by.
     * @param percentile "p50" or "p99.9".
     * @param goal       the bound.
     * @param atMost     true: the ratio should be at most {@code goal}; false: at least.
     */
    record Target(String of, String base, String percentile, double goal, boolean atMost)
    {
        /**
         * @return e.g. "axon p50 ÷ aeron-udp p50".
         */
        String label()
        {
            return of + " " + percentile + " ÷ " + base + " " + percentile;
        }

        /**
         * @return e.g. "≤ 1.5".
         */
        String goalText()
        {
            return (atMost ? "≤ " : "≥ ") + SuiteReport.formatGoal(goal);
        }

        boolean met(final double ratio)
        {
            return atMost ? ratio <= goal : ratio >= goal;
        }
    }

    /** Every target, in the order they are reported. */
    static final List<Target> ALL = List.of(
        new Target("junction-eco", "aeron-ipc", "p50", 1.5, true),
        new Target("junction-spin", "aeron-ipc", "p50", 1.5, true),
        new Target("junction-observed", "junction-bare", "p50", 1.2, true),
        new Target("axon", "aeron-udp", "p50", 1.5, true),
        new Target("axon-netns", "aeron-udp-netns", "p50", 1.5, true),
        new Target(SuiteReport.GRPC, "axon", "p50", 10, false),
        new Target(SuiteReport.GRPC, "axon", "p99.9", 100, false));

    private Targets()
    {
    }

    /**
     * @param results   the run's paths.
     * @param target    a target.
     * @param fixedRate which mode.
     * @return the target's ratio in that mode, or null when either path has no figures in it.
     */
    static Double ratio(final List<SuiteReport.PathResult> results, final Target target, final boolean fixedRate)
    {
        final SuiteReport.Measured of = SuiteReport.measured(SuiteReport.find(results, target.of()), fixedRate);
        final SuiteReport.Measured base = SuiteReport.measured(SuiteReport.find(results, target.base()), fixedRate);
        if (of == null || base == null)
        {
            return null;
        }
        return switch (target.percentile())
        {
            case "p50" -> SuiteReport.medianRatio(of.p50PerRound(), base.p50PerRound());
            case "p99.9" -> SuiteReport.ratio(of.summary().p999Us(), base.summary().p999Us());
            default -> throw new IllegalArgumentException("no such percentile: " + target.percentile());
        };
    }

    /**
     * @param results the run's paths.
     * @return the targets both of whose paths ran, each with its ratio (and whether it is met) per mode, JSON-ready.
     */
    static List<Map<String, Object>> json(final List<SuiteReport.PathResult> results)
    {
        final List<Map<String, Object>> list = new ArrayList<>();
        for (final Target t : ALL)
        {
            if (!ran(results, t))
            {
                continue;
            }
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("ratio", t.label());
            m.put("of", t.of());
            m.put("base", t.base());
            m.put("percentile", t.percentile());
            m.put("goal", t.goalText());
            final Double b2b = ratio(results, t, false);
            final Double fixed = ratio(results, t, true);
            m.put("backToBack", b2b);
            m.put("backToBackMet", b2b == null ? null : t.met(b2b));
            m.put("fixedRate", fixed);
            m.put("fixedRateMet", fixed == null ? null : t.met(fixed));
            list.add(m);
        }
        return list;
    }

    /**
     * @param results the run's paths.
     * @return one row per target both of whose paths ran: the ratio, the goal, back to back and fixed rate, each
     * "1.23× (met)", "4.5× (missed)" or "—".
     */
    static List<List<String>> rows(final List<SuiteReport.PathResult> results)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final Target t : ALL)
        {
            if (ran(results, t))
            {
                rows.add(List.of(t.label(), t.goalText(), cell(t, ratio(results, t, false)),
                    cell(t, ratio(results, t, true))));
            }
        }
        return rows;
    }

    /**
     * @param results the run's paths.
     * @return a markdown table of {@link #rows}, or an empty string when no target's paths both ran.
     */
    static String markdown(final List<SuiteReport.PathResult> results)
    {
        final List<List<String>> rows = rows(results);
        if (rows.isEmpty())
        {
            return "";
        }
        final StringBuilder sb = new StringBuilder();
        sb.append("| target | goal | back to back | fixed rate |\n|---|---|---:|---:|\n");
        for (final List<String> row : rows)
        {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }

    private static boolean ran(final List<SuiteReport.PathResult> results, final Target t)
    {
        return SuiteReport.find(results, t.of()) != null && SuiteReport.find(results, t.base()) != null;
    }

    private static String cell(final Target t, final Double ratio)
    {
        return ratio == null ? "—" : String.format(Locale.ROOT, "%s× (%s)", SuiteReport.formatRatio(ratio),
            t.met(ratio) ? "met" : "missed");
    }
}
