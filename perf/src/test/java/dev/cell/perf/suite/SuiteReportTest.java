package dev.cell.perf.suite;

import dev.cell.runtime.genome.Json;
import dev.cell.tools.bench.LatencySummary;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuiteReportTest
{
    private static LatencySummary summary(final double p50, final double p99, final double throughput)
    {
        return new LatencySummary(1000, p50, p50 * 1.5, p99, p99 * 2, p99 * 3, p99 * 4, throughput, "back-to-back",
            "test");
    }

    private static SuiteReport.PathResult path(
        final String id, final double p50, final double p99, final double throughput, final List<Double> rounds)
    {
        final SuiteReport.Measured m = new SuiteReport.Measured(summary(p50, p99, throughput), rounds);
        return new SuiteReport.PathResult(id, id + " path", "peer spin, pinger back-off", m, m, null);
    }

    private static List<SuiteReport.PathResult> results()
    {
        return List.of(
            path("floor", 0.2, 0.5, 4_000_000, List.of(0.2, 0.1, 0.25)),
            path("junction-eco", 0.5, 2.0, 1_500_000, List.of(0.5, 0.4, 2.5)),
            path("grpc", 100, 400, 8_000, List.of(100.0, 80.0, 125.0)),
            new SuiteReport.PathResult("tcp", "tcp path", "blocking", null, null, "java.io.IOException: refused"));
    }

    @Test
    void ratiosDivideEveryFigureByTheBase()
    {
        final Map<String, Double> r = SuiteReport.ratios(summary(0.5, 2.0, 1_000), summary(0.25, 0.5, 4_000));
        assertEquals(2.0, r.get("p50"));
        assertEquals(4.0, r.get("p99"));
        assertEquals(4.0, r.get("p999"));
        assertEquals(4.0, r.get("max"));
        assertEquals(0.25, r.get("throughput"));
        assertNull(SuiteReport.ratio(1, 0), "no base, no ratio");
    }

    @Test
    void medianOfPerRoundRatiosIgnoresOneBadRound()
    {
        // rounds: 0.5/0.2 = 2.5, 0.4/0.1 = 4, 2.5/0.25 = 10 -> median 4
        assertEquals(4.0, SuiteReport.medianRatio(List.of(0.5, 0.4, 2.5), List.of(0.2, 0.1, 0.25)));
        assertEquals(2.5, SuiteReport.medianRatio(List.of(2.0, 3.0), List.of(1.0, 1.0)));
        assertNull(SuiteReport.medianRatio(List.of(1.0), List.of(1.0, 2.0)), "rounds must pair up");
        assertNull(SuiteReport.medianRatio(List.of(1.0), List.of(0.0)));
        assertEquals(3.0, SuiteReport.medianRatio(Arrays.asList(3.0, null, 9.0, 1.0), List.of(1.0, 1.0, 1.0, 1.0)),
            "a round left out is skipped");
        assertNull(SuiteReport.medianRatio(Arrays.asList((Double)null), List.of(1.0)));
        assertThrows(IllegalArgumentException.class, () -> SuiteReport.median(List.of()));
    }

    @Test
    void ratioTableUsesTheFloorAndGrpcOfTheSameRun()
    {
        final Map<String, Map<String, Object>> table = SuiteReport.ratioTable(results(), false);
        assertEquals(List.of("floor", "junction-eco", "grpc"), List.copyOf(table.keySet()), "failed paths have none");
        assertEquals(4.0, table.get("junction-eco").get("p50RatioToFloorMedianOfRounds"));
        assertEquals(0.005, table.get("junction-eco").get("p50RatioToGrpcMedianOfRounds"));
        assertEquals(1.0, table.get("grpc").get("p50RatioToGrpcMedianOfRounds"));
        @SuppressWarnings("unchecked")
        final Map<String, Double> toFloor = (Map<String, Double>)table.get("grpc").get("ratioToFloor");
        assertEquals(800.0, toFloor.get("p99"));
        assertEquals(0.002, toFloor.get("throughput"));
    }

    @Test
    void markdownQuotesFiguresAndRatiosAndNamesFailures()
    {
        final String md = SuiteReport.markdown(results(), false);
        final String[] lines = md.split("\n");
        assertEquals(2 + 4, lines.length);
        assertTrue(lines[0].startsWith("| path | wait profile | p50 µs |"), lines[0]);
        assertEquals("| junction-eco path | peer spin, pinger back-off | 0.50 | 0.75 | 2.00 | 4.00 | 6.00 | 8.00 | " +
            "1,500,000 | 4.00× | 4.00× | 0.0050× | 0.0050× |", lines[3]);
        assertTrue(lines[4].startsWith("| grpc path | peer spin, pinger back-off | 100 | 150 | 400 |"), lines[4]);
        assertTrue(lines[5].contains("failed: java.io.IOException: refused"), lines[5]);
    }

    @Test
    void jsonReportParsesBackWithEveryPathAndItsRatios()
    {
        final String text = SuiteReport.prettyJson(SuiteReport.json(Map.of("cores", 2), results()));
        final Map<String, Object> parsed = Json.parseObject(text);
        assertEquals(2L, ((Number)parsed.get("cores")).longValue());
        final List<?> paths = (List<?>)parsed.get("paths");
        assertEquals(4, paths.size());
        final Map<?, ?> junction = (Map<?, ?>)paths.get(1);
        final Map<?, ?> b2b = (Map<?, ?>)junction.get("backToBack");
        assertEquals(0.5, ((Number)b2b.get("p50Us")).doubleValue());
        assertEquals(4.0, ((Number)b2b.get("p50RatioToFloorMedianOfRounds")).doubleValue());
        assertEquals("java.io.IOException: refused", ((Map<?, ?>)paths.get(3)).get("error"));
        assertFalse(((Map<?, ?>)paths.get(3)).containsKey("backToBack"));
        assertTrue(text.contains("\n    {\n"), "one member a line");
    }

    @Test
    void htmlShowsBothTablesAndChartsEscaped()
    {
        final String html = SuiteReport.html("t <1>", List.of("a & b"), results(), "b2b.svg", "rate.svg");
        assertTrue(html.contains("<title>t &lt;1&gt;</title>"));
        assertTrue(html.contains("<li>a &amp; b</li>"));
        assertTrue(html.contains("<img src=\"b2b.svg\""));
        assertTrue(html.contains("<img src=\"rate.svg\""));
        assertEquals(2, html.split("<table>", -1).length - 1);
    }

    @Test
    void roundsThatCouldNotKeepTheRateAreLeftOutAndSaidSo()
    {
        final SuiteReport.Measured b2b = new SuiteReport.Measured(summary(100, 400, 8_000), List.of(100.0, 90.0));
        final SuiteReport.Measured kept =
            new SuiteReport.Measured(summary(150, 900, 2_000), Arrays.asList(150.0, null), 1);
        final SuiteReport.Measured none = new SuiteReport.Measured(null, Arrays.asList(null, null), 2);
        final List<SuiteReport.PathResult> results = List.of(
            new SuiteReport.PathResult("floor", "floor path", "p", b2b, new SuiteReport.Measured(
                summary(10, 20, 2_000), List.of(10.0, 30.0)), null),
            new SuiteReport.PathResult("grpc", "grpc path", "p", b2b, kept, null),
            new SuiteReport.PathResult("tcp", "tcp path", "p", b2b, none, null));
        final String[] lines = SuiteReport.markdown(results, true).split("\n");
        assertTrue(lines[3].startsWith("| grpc path (1 of 2 rounds could not keep the rate, left out) | p | 150 |"),
            lines[3]);
        assertTrue(lines[3].contains("| 15.00× |"), "p50 ratio over the kept round only: " + lines[3]);
        assertTrue(lines[4].contains("could not keep the rate in any round"), lines[4]);
        final Map<String, Object> parsed =
            Json.parseObject(SuiteReport.prettyJson(SuiteReport.json(Map.of(), results)));
        final Map<?, ?> tcp = (Map<?, ?>)((Map<?, ?>)((List<?>)parsed.get("paths")).get(2)).get("fixedRate");
        assertEquals(2L, ((Number)tcp.get("roundsLeftOutRateNotKept")).longValue());
        assertFalse(tcp.containsKey("p50Us"));
    }

    private static List<SuiteReport.PathResult> targetRun()
    {
        final SuiteReport.Measured udpFixed = new SuiteReport.Measured(summary(30, 60, 2_000), List.of(30.0, 30.0));
        final SuiteReport.Measured axonFixed = new SuiteReport.Measured(summary(60, 90, 2_000), List.of(60.0, 30.0));
        return List.of(
            path("junction-eco", 0.6, 2.0, 1_000_000, List.of(0.6, 0.3)),
            path("aeron-ipc", 0.3, 1.0, 2_000_000, List.of(0.3, 0.3)),
            new SuiteReport.PathResult("aeron-udp", "udp", "p", new SuiteReport.Measured(summary(10, 20, 90_000),
                List.of(10.0, 10.0)), udpFixed, null),
            new SuiteReport.PathResult("axon", "axon", "p", new SuiteReport.Measured(summary(12, 30, 80_000),
                List.of(12.0, 14.0)), axonFixed, null),
            path("grpc", 130, 400, 7_000, List.of(130.0, 130.0)));
    }

    @Test
    void targetsAreRatiosOfTheSameRunAgainstTheirGoals()
    {
        final List<SuiteReport.PathResult> run = targetRun();
        // junction rounds 0.6/0.3 = 2, 0.3/0.3 = 1 -> median 1.5: at the bound, met
        assertEquals(1.5, Targets.ratio(run, Targets.ALL.get(0), false));
        final List<List<String>> rows = Targets.rows(run);
        assertEquals(List.of("junction-eco p50 ÷ aeron-ipc p50", "axon p50 ÷ aeron-udp p50",
            "grpc p50 ÷ axon p50", "grpc p99.9 ÷ axon p99.9"), rows.stream().map(List::getFirst).toList(),
            "junction-spin did not run: its target is left out");
        assertEquals(List.of("junction-eco p50 ÷ aeron-ipc p50", "≤ 1.5", "1.50× (met)", "1.50× (met)"), rows.get(0));
        // axon rounds 1.2 and 1.4 -> 1.3; fixed rate 2 and 1 -> 1.5
        assertEquals(List.of("axon p50 ÷ aeron-udp p50", "≤ 1.5", "1.30× (met)", "1.50× (met)"), rows.get(1));
        // gRPC 130 / axon 12 and 14 -> median of 10.83 and 9.29 = 10.06; fixed rate 130/60, 130/30 -> 3.25
        assertEquals(List.of("grpc p50 ÷ axon p50", "≥ 10", "10.06× (met)", "3.25× (missed)"), rows.get(2));
        // p99.9 is p99 * 2 in these summaries: 800 / 60 = 13.3, 800 / 180
        assertEquals(List.of("grpc p99.9 ÷ axon p99.9", "≥ 100", "13.33× (missed)", "4.44× (missed)"),
            rows.get(3));

        final String md = Targets.markdown(run);
        assertTrue(md.startsWith("| target | goal | back to back | fixed rate |\n|---|---|---:|---:|\n"), md);
        assertEquals(2 + 4, md.split("\n").length);
        assertEquals("", Targets.markdown(results()), "no target's two paths ran");
        assertTrue(SuiteReport.html("t", List.of(), run, "a.svg", "b.svg").contains("<td>10.06× (met)</td>"));
    }

    @Test
    void targetsAreInTheJsonNextToThePaths()
    {
        final Map<String, Object> parsed = Json.parseObject(SuiteReport.prettyJson(SuiteReport.json(Map.of(),
            targetRun())));
        final List<?> paths = (List<?>)parsed.get("paths");
        assertEquals(5, paths.size(), "one entry per path, as before");
        assertEquals("axon", ((Map<?, ?>)paths.get(3)).get("id"));
        assertEquals(12.0, ((Number)((Map<?, ?>)((Map<?, ?>)paths.get(3)).get("backToBack")).get("p50Us"))
            .doubleValue());
        final List<?> targets = (List<?>)parsed.get("targets");
        assertEquals(4, targets.size());
        final Map<?, ?> axon = (Map<?, ?>)targets.get(1);
        assertEquals("axon p50 ÷ aeron-udp p50", axon.get("ratio"));
        assertEquals("≤ 1.5", axon.get("goal"));
        assertEquals(1.3, ((Number)axon.get("backToBack")).doubleValue());
        assertEquals(Boolean.TRUE, axon.get("backToBackMet"));
        final Map<?, ?> tail = (Map<?, ?>)targets.get(3);
        assertEquals("p99.9", tail.get("percentile"));
        assertEquals(Boolean.FALSE, tail.get("fixedRateMet"));
    }

    @Test
    void aTargetWithAFailedPathHasNoRatio()
    {
        final List<SuiteReport.PathResult> run = List.of(
            new SuiteReport.PathResult("axon", "axon", "p", null, null, "java.io.IOException: gone"),
            path("aeron-udp", 10, 20, 90_000, List.of(10.0)));
        assertEquals(List.of(List.of("axon p50 ÷ aeron-udp p50", "≤ 1.5", "—", "—")), Targets.rows(run));
        assertNull(Targets.ratio(run, Targets.ALL.get(2), false));
        assertEquals("1.5", SuiteReport.formatGoal(1.5));
        assertEquals("100", SuiteReport.formatGoal(100));
    }

    @Test
    void baseNameIsDateCoresAndCpuModel()
    {
        assertEquals("2026-11-23-2cpu-amd-epyc-7b13",
            SuiteReport.baseName(LocalDate.of(2026, 11, 23), 2, "AMD EPYC 7B13"));
        assertEquals("2026-01-02-16cpu-intel-xeon-gold-6338-cpu-2-00ghz",
            SuiteReport.baseName(LocalDate.of(2026, 1, 2), 16, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"));
        assertEquals("2026-01-02-4cpu", SuiteReport.baseName(LocalDate.of(2026, 1, 2), 4, "  "));
    }

    @Test
    void ratiosPrintWithSensibleDigits()
    {
        assertEquals("1,234", SuiteReport.formatRatio(1234.4));
        assertEquals("2.36", SuiteReport.formatRatio(2.3649));
        assertEquals("0.0042", SuiteReport.formatRatio(0.0042));
        assertEquals("0.50", SuiteReport.us(0.5));
        assertEquals("12.3", SuiteReport.us(12.34));
        assertEquals("1,063", SuiteReport.us(1062.9));
    }
}
