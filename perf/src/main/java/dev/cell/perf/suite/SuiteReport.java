package dev.cell.perf.suite;

import dev.cell.tools.bench.LatencySummary;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The suite's arithmetic and output formats, free of any measuring: ratios to the floor and to gRPC, medians of
 * per-round ratios, the report's JSON tree (with the {@link Targets}), the markdown table to paste into a README and
 * the HTML page.
 */
final class SuiteReport
{
    static final String FLOOR = "floor";
    static final String GRPC = "grpc";

    private SuiteReport()
    {
    }

    /**
     * What one path measured in one mode, all rounds merged.
     *
     * @param summary     the merged figures, or null when no round was kept.
     * @param p50PerRound the p50 (µs) of every round, in round order; null for a round left out.
     * @param leftOut     rounds left out because the path could not keep the fixed rate.
     */
    record Measured(LatencySummary summary, List<Double> p50PerRound, int leftOut)
    {
        Measured(final LatencySummary summary, final List<Double> p50PerRound)
        {
            this(summary, p50PerRound, 0);
        }
    }

    /**
     * One path's results.
     *
     * @param id         the path's key.
     * @param name       what it is.
     * @param profile    how its sides waited.
     * @param backToBack back-to-back figures, or null when the path failed.
     * @param fixedRate  fixed-rate figures, or null when the path failed.
     * @param error      why the path failed, or null.
     */
    record PathResult(
        String id, String name, String profile, Measured backToBack, Measured fixedRate, String error)
    {
    }

    /**
     * @param of   a path's figures.
     * @param base the reference path's figures.
     * @return each percentile, the max and the throughput of {@code of} divided by those of {@code base}.
     */
    static Map<String, Double> ratios(final LatencySummary of, final LatencySummary base)
    {
        final Map<String, Double> m = new LinkedHashMap<>();
        m.put("p50", ratio(of.p50Us(), base.p50Us()));
        m.put("p90", ratio(of.p90Us(), base.p90Us()));
        m.put("p99", ratio(of.p99Us(), base.p99Us()));
        m.put("p999", ratio(of.p999Us(), base.p999Us()));
        m.put("p9999", ratio(of.p9999Us(), base.p9999Us()));
        m.put("max", ratio(of.maxUs(), base.maxUs()));
        m.put("throughput", ratio(of.throughputPerSec(), base.throughputPerSec()));
        return m;
    }

    static Double ratio(final double of, final double base)
    {
        return base > 0 ? round(of / base, 4) : null;
    }

    /**
     * @param of   a path's per-round values.
     * @param base the reference's values of the same rounds.
     * @return the median of the per-round ratios over the rounds both have a positive value for, or null when there
     * is none (or the lists do not pair up).
     */
    static Double medianRatio(final List<Double> of, final List<Double> base)
    {
        if (of.isEmpty() || of.size() != base.size())
        {
            return null;
        }
        final List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < of.size(); i++)
        {
            final Double a = of.get(i);
            final Double b = base.get(i);
            if (a != null && b != null && b > 0)
            {
                ratios.add(a / b);
            }
        }
        return ratios.isEmpty() ? null : round(median(ratios), 4);
    }

    static double median(final List<Double> values)
    {
        if (values.isEmpty())
        {
            throw new IllegalArgumentException("median of no values");
        }
        final List<Double> sorted = values.stream().sorted().toList();
        final int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static double round(final double value, final int significant)
    {
        if (value == 0 || Double.isNaN(value) || Double.isInfinite(value))
        {
            return value;
        }
        return new java.math.BigDecimal(value).round(new java.math.MathContext(significant)).doubleValue();
    }

    /**
     * @param date  the run's date.
     * @param cores cores of the machine.
     * @param cpu   its CPU model name.
     * @return {@code <date>-<cores>cpu-<cpu model>}, lower case, only letters, digits and dashes.
     */
    static String baseName(final LocalDate date, final int cores, final String cpu)
    {
        final String slug = cpu.toLowerCase(Locale.ROOT)
            .replaceAll("\\((r|tm)\\)", "")
            .replaceAll("[^a-z0-9]+", "-")
            .replaceAll("(^-+|-+$)", "");
        return date + "-" + cores + "cpu" + (slug.isEmpty() ? "" : "-" + slug);
    }

    /**
     * @param results every path's results, the floor and gRPC among them when they ran.
     * @param fixedRate whether to take the fixed-rate figures (else back to back).
     * @return per path id: the ratios of its figures to the floor's and gRPC's, and the median of its per-round p50
     * ratios to each.
     */
    static Map<String, Map<String, Object>> ratioTable(final List<PathResult> results, final boolean fixedRate)
    {
        final Measured floor = measured(find(results, FLOOR), fixedRate);
        final Measured grpc = measured(find(results, GRPC), fixedRate);
        final Map<String, Map<String, Object>> table = new LinkedHashMap<>();
        for (final PathResult r : results)
        {
            final Measured m = measured(r, fixedRate);
            if (m == null)
            {
                continue;
            }
            final Map<String, Object> row = new LinkedHashMap<>();
            if (floor != null)
            {
                row.put("ratioToFloor", ratios(m.summary(), floor.summary()));
                row.put("p50RatioToFloorMedianOfRounds", medianRatio(m.p50PerRound(), floor.p50PerRound()));
            }
            if (grpc != null)
            {
                row.put("ratioToGrpc", ratios(m.summary(), grpc.summary()));
                row.put("p50RatioToGrpcMedianOfRounds", medianRatio(m.p50PerRound(), grpc.p50PerRound()));
            }
            table.put(r.id(), row);
        }
        return table;
    }

    /**
     * @param header  what precedes the paths (machine, settings), in order.
     * @param results the paths.
     * @return the report as a JSON-ready tree.
     */
    static Map<String, Object> json(final Map<String, Object> header, final List<PathResult> results)
    {
        final Map<String, Object> report = new LinkedHashMap<>(header);
        final Map<String, Map<String, Object>> b2b = ratioTable(results, false);
        final Map<String, Map<String, Object>> fixed = ratioTable(results, true);
        final List<Object> paths = new ArrayList<>();
        for (final PathResult r : results)
        {
            final Map<String, Object> p = new LinkedHashMap<>();
            p.put("id", r.id());
            p.put("name", r.name());
            p.put("waitProfile", r.profile());
            if (r.error() != null)
            {
                p.put("error", r.error());
            }
            if (r.backToBack() != null)
            {
                p.put("backToBack", mode(r.backToBack(), b2b.get(r.id())));
            }
            if (r.fixedRate() != null)
            {
                p.put("fixedRate", mode(r.fixedRate(), fixed.get(r.id())));
            }
            paths.add(p);
        }
        report.put("paths", paths);
        report.put("targets", Targets.json(results));
        return report;
    }

    private static Map<String, Object> mode(final Measured m, final Map<String, Object> ratios)
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        if (m.summary() != null)
        {
            map.putAll(m.summary().toMap());
        }
        map.put("p50UsPerRound", m.p50PerRound());
        if (m.leftOut() > 0)
        {
            map.put("roundsLeftOutRateNotKept", m.leftOut());
        }
        if (ratios != null)
        {
            map.putAll(ratios);
        }
        return map;
    }

    /**
     * @param results the paths.
     * @param fixedRate which mode.
     * @return a markdown table: percentiles, throughput and p50/p99 ratios to the floor and to gRPC.
     */
    static String markdown(final List<PathResult> results, final boolean fixedRate)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("| path | wait profile | p50 µs | p90 µs | p99 µs | p99.9 µs | p99.99 µs | max µs | calls/s " +
            "| p50 ÷ floor | p99 ÷ floor | p50 ÷ gRPC | p99 ÷ gRPC |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final List<String> row : rows(results, fixedRate))
        {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * The table cells shared by the markdown and HTML output.
     */
    static List<List<String>> rows(final List<PathResult> results, final boolean fixedRate)
    {
        final Map<String, Map<String, Object>> ratios = ratioTable(results, fixedRate);
        final List<List<String>> rows = new ArrayList<>();
        for (final PathResult r : results)
        {
            final Measured m = measured(r, fixedRate);
            if (m == null)
            {
                final String why = r.error() != null ? "failed: " + r.error() : "could not keep the rate in any round";
                rows.add(List.of(r.name(), r.profile(), why, "", "", "", "", "", "", "", "", "", ""));
                continue;
            }
            final LatencySummary s = m.summary();
            final Map<String, Object> ratio = ratios.get(r.id());
            final String name = m.leftOut() == 0 ? r.name() : r.name() + " (" + m.leftOut() + " of " +
                m.p50PerRound().size() + " rounds could not keep the rate, left out)";
            rows.add(List.of(name, r.profile(), us(s.p50Us()), us(s.p90Us()), us(s.p99Us()), us(s.p999Us()),
                us(s.p9999Us()), us(s.maxUs()), String.format(Locale.ROOT, "%,.0f", s.throughputPerSec()),
                times(ratio, "p50RatioToFloorMedianOfRounds"), times(ratio, "ratioToFloor", "p99"),
                times(ratio, "p50RatioToGrpcMedianOfRounds"), times(ratio, "ratioToGrpc", "p99")));
        }
        return rows;
    }

    private static String times(final Map<String, Object> ratio, final String key)
    {
        final Object v = ratio == null ? null : ratio.get(key);
        return v instanceof Double d ? formatRatio(d) + "×" : "—";
    }

    @SuppressWarnings("unchecked")
    private static String times(final Map<String, Object> ratio, final String against, final String key)
    {
        final Map<String, Double> r = ratio == null ? null : (Map<String, Double>)ratio.get(against);
        final Double v = r == null ? null : r.get(key);
        return v == null ? "—" : formatRatio(v) + "×";
    }

    static String formatRatio(final double v)
    {
        if (v >= 100)
        {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 1)
        {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    /**
     * @return a goal as written: "1.5", "10", "100".
     */
    static String formatGoal(final double v)
    {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.valueOf(v);
    }

    static String us(final double v)
    {
        if (v >= 100)
        {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (v >= 10)
        {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * @param title     the page's title.
     * @param intro     lines describing the machine and the settings.
     * @param results   the paths.
     * @param b2bChart  file name of the back-to-back chart, next to the page.
     * @param rateChart file name of the fixed-rate chart, next to the page.
     * @return a self-contained HTML page with both tables and both charts.
     */
    static String html(
        final String title, final List<String> intro, final List<PathResult> results, final String b2bChart,
        final String rateChart)
    {
        final StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .append(escape(title)).append("</title>\n<style>body{font-family:sans-serif;margin:2em}")
            .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}")
            .append("td{text-align:right}td:nth-child(1),td:nth-child(2){text-align:left}</style></head><body>\n")
            .append("<h1>").append(escape(title)).append("</h1>\n<ul>\n");
        for (final String line : intro)
        {
            sb.append("<li>").append(escape(line)).append("</li>\n");
        }
        sb.append("</ul>\n");
        table(sb, "Back to back (one call outstanding)", results, false, b2bChart);
        table(sb, "Fixed rate (latency from the intended send time: corrected for coordinated omission)", results,
            true, rateChart);
        final List<List<String>> targets = Targets.rows(results);
        if (!targets.isEmpty())
        {
            sb.append("<h2>Targets (ratios of this run)</h2>\n<table>\n<tr>");
            for (final String h : List.of("target", "goal", "back to back", "fixed rate"))
            {
                sb.append("<th>").append(escape(h)).append("</th>");
            }
            sb.append("</tr>\n");
            for (final List<String> row : targets)
            {
                sb.append("<tr>");
                for (final String cell : row)
                {
                    sb.append("<td>").append(escape(cell)).append("</td>");
                }
                sb.append("</tr>\n");
            }
            sb.append("</table>\n");
        }
        sb.append("</body></html>\n");
        return sb.toString();
    }

    private static void table(
        final StringBuilder sb, final String heading, final List<PathResult> results, final boolean fixedRate,
        final String chart)
    {
        sb.append("<h2>").append(escape(heading)).append("</h2>\n<table>\n<tr>");
        for (final String h : List.of("path", "wait profile", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs",
            "p99.99 µs",
            "max µs", "calls/s", "p50 ÷ floor", "p99 ÷ floor", "p50 ÷ gRPC", "p99 ÷ gRPC"))
        {
            sb.append("<th>").append(escape(h)).append("</th>");
        }
        sb.append("</tr>\n");
        for (final List<String> row : rows(results, fixedRate))
        {
            sb.append("<tr>");
            for (final String cell : row)
            {
                sb.append("<td>").append(escape(cell)).append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</table>\n<p><img src=\"").append(escape(chart)).append("\" alt=\"").append(escape(heading))
            .append(" percentile chart\"></p>\n");
    }

    /**
     * @param value a JSON-ready tree (maps, lists, strings, numbers, booleans, null).
     * @return it as indented JSON: objects one member a line, lists of numbers on one line.
     */
    static String prettyJson(final Object value)
    {
        final StringBuilder sb = new StringBuilder();
        pretty(sb, value, "");
        return sb.append('\n').toString();
    }

    private static void pretty(final StringBuilder sb, final Object value, final String indent)
    {
        if (value instanceof Map<?, ?> map && !map.isEmpty())
        {
            sb.append("{\n");
            int i = 0;
            for (final Map.Entry<?, ?> e : map.entrySet())
            {
                sb.append(indent).append("  ");
                dev.cell.runtime.genome.Json.quote(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                pretty(sb, e.getValue(), indent + "  ");
                sb.append(++i < map.size() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        }
        else if (value instanceof List<?> list && !list.isEmpty() && !(list.get(0) instanceof Number))
        {
            sb.append("[\n");
            for (int i = 0; i < list.size(); i++)
            {
                sb.append(indent).append("  ");
                pretty(sb, list.get(i), indent + "  ");
                sb.append(i + 1 < list.size() ? ",\n" : "\n");
            }
            sb.append(indent).append(']');
        }
        else
        {
            dev.cell.runtime.genome.Json.write(sb, value);
        }
    }

    static String escape(final String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static PathResult find(final List<PathResult> results, final String id)
    {
        for (final PathResult r : results)
        {
            if (r.id().equals(id))
            {
                return r;
            }
        }
        return null;
    }

    /**
     * @return the path's figures in that mode, or null when it failed or kept no round.
     */
    static Measured measured(final PathResult r, final boolean fixedRate)
    {
        final Measured m = r == null ? null : fixedRate ? r.fixedRate() : r.backToBack();
        return m == null || m.summary() == null ? null : m;
    }
}
