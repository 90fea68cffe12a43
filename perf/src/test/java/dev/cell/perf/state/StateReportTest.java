package dev.cell.perf.state;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateReportTest
{
    private static Load.Sample sample(final long latencyUs, final long calls)
    {
        final Histogram h = Load.histogram();
        for (int i = 0; i < calls; i++)
        {
            h.recordValue(latencyUs * 1000);
        }
        return new Load.Sample(h, calls, 0, 1_000_000_000L, calls * 10_000L);
    }

    @Test
    void goalsCompareLatencyWithTheFloorAndSkipUnsafeAndReferenceRows()
    {
        final StateReport r = new StateReport();
        r.add(StateReport.FLOOR, "floor", 1, "fdatasync", true, false, sample(200, 100), Map.of(), 1.0);
        r.add("fast", "an engine", 1, "majority synced", true, true, sample(390, 100), Map.of(), 1.0);
        r.add("fast", "an engine", 64, "majority synced", true, true, sample(1000, 60_000), Map.of(), 1.0);
        r.add("slow", "an engine", 1, "majority synced", true, true, sample(450, 100), Map.of(), 1.0);
        r.add("unsafe", "acks early", 1, "unsafe flush", false, true, sample(10, 100), Map.of(), 1.0);

        final List<Map<String, Object>> goals = r.goals();
        assertEquals(5, goals.size(), goals.toString());
        assertEquals(List.of("fast", "fast", "fast", "slow", "slow"), goals.stream().map(g -> g.get("row")).toList());
        assertEquals(true, goals.get(0).get("met"), "390 us <= 2 x 200 us");
        assertEquals(400.0, (Double)goals.get(0).get("limit"), 0.5, "the histogram keeps 3 significant digits");
        assertEquals(true, goals.get(2).get("met"), "60,000 commits/s >= 50,000");
        assertEquals(false, goals.get(3).get("met"), "450 us > 2 x 200 us");
        assertTrue(r.table().contains("unsafe (UNSAFE"), r.table());
    }

    @Test
    void roundsMergeIntoOneRowAndKeepTheirOwnFigures()
    {
        final StateReport r = new StateReport();
        r.add("a", "a path", 1, "majority synced", true, true, sample(100, 10), Map.of("entriesPerLeaderFsync", 1.0),
            2.5);
        r.add("a", "a path", 1, "majority synced", true, true, sample(300, 30), Map.of("entriesPerLeaderFsync", 3.0),
            3.5);
        final StateReport.Row row = r.rows().get(0);
        assertEquals(1, r.rows().size());
        assertEquals(40, row.histogram().getTotalCount());
        assertEquals(2.0, row.mean("entriesPerLeaderFsync"));
        assertEquals(3.0, row.mean("loadAverage1m"));
        assertEquals(20.0, row.commitsPerSec());
        assertEquals(2, ((List<?>)r.jsonRows().get(0).get("rounds")).size());
    }

    @Test
    void ratisIsKeptOnlyWhenWithinTwiceAeronClusterOnLatencyAndThroughput()
    {
        final StateReport r = new StateReport();
        r.add("kv-leader", "kv", 1, "majority synced", true, true, sample(900, 100), Map.of(), 1.0);
        r.add("kv-leader", "kv", 64, "majority synced", true, true, sample(9000, 5_000), Map.of(), 1.0);
        r.add("ratis-embedded", "plain", 1, "majority synced", true, true, sample(600, 100), Map.of(), 1.0);
        r.add("ratis-embedded", "plain", 64, "majority synced", true, true, sample(5000, 12_000), Map.of(), 1.0);
        r.add("ratis-embedded-unsafe-flush", "unsafe", 1, "unsafe", false, true, sample(10, 100), Map.of(), 1.0);
        r.add("aeron-cluster", "aeron", 1, "majority synced", true, true, sample(1000, 100), Map.of(), 1.0);
        r.add("aeron-cluster", "aeron", 64, "majority synced", true, true, sample(2000, 20_000), Map.of(), 1.0);
        Map<String, Object> c = r.engineComparison();
        assertTrue(((String)c.get("ratisBestP50")).startsWith("ratis-embedded "), "the best Ratis row, the unsafe " +
            "one skipped: " + c);
        assertEquals(0.6, (Double)c.get("p50Ratio"), 0.01);
        assertEquals(20_000 / 12_000.0, (Double)c.get("commitsPerSecRatio"), 0.01);
        assertEquals(true, c.get("ratisWithin2x"));

        r.add("aeron-cluster-yield", "aeron", 64, "majority synced", true, true, sample(1000, 49_000), Map.of(), 1.0);
        c = r.engineComparison();
        assertEquals("aeron-cluster-yield 49000", c.get("aeronBestCommitsPerSec"));
        assertEquals(false, c.get("ratisWithin2x"), "49,000 commits/s is more than 2 x 12,000");
        assertTrue(r.table().contains("Ratis not within 2x of Aeron Cluster"), r.table());
        assertTrue(new StateReport().engineComparison().isEmpty(), "no decision without both engines");
    }
}
