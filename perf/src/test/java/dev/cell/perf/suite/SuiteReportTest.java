package dev.cell.perf.suite;

import dev.cell.runtime.bench.LatencySummary;
import dev.cell.runtime.genome.Json;
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
