package dev.cell.perf;

import dev.cell.perf.suite.ComparisonSuite;
import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(180)
class RegistryBenchmarkTest
{
    @TempDir
    Path tmp;

    /**
     * A short run over the four loopback hosts: every row is present with as many samples as asked for, the
     * percentiles are ordered, and an expiry takes at least the TTL (a lease cannot leave before it). Asserts no
     * other timing.
     */
    @Test
    void aShortRunMeasuresEveryRowAndNoLeaseLeavesBeforeItsTtl() throws Exception
    {
        final Path json = tmp.resolve("registry.json");
        final RegistryBenchmark.Options o = RegistryBenchmark.parse(new String[] {"--writes", "5", "--reads", "200",
            "--trials", "2", "--crashes", "1", "--failovers", "1", "--dir", tmp.resolve("run").toString(),
            "--json", json.toString()});
        Files.writeString(json, ComparisonSuite.prettyJson(RegistryBenchmark.run(o)));

        final Map<String, Object> parsed = Json.parseObject(Files.readString(json));
        assertEquals("registry", parsed.get("benchmark"));
        final Map<?, ?> rows = assertInstanceOf(Map.class, parsed.get("rows"));
        final Map<String, Long> counts = Map.of("announce", 5L, "renew", 5L, "revoke", 5L, "read-listener", 200L,
            "read-leader", 200L, "converge-start", 2L, "converge-stop", 2L, "converge-crash", 1L,
            "failover-elected", 1L, "failover-commit", 1L);
        assertEquals(counts.keySet(), rows.keySet());
        for (final Map.Entry<String, Long> e : counts.entrySet())
        {
            final Map<?, ?> row = assertInstanceOf(Map.class, rows.get(e.getKey()));
            assertEquals(e.getValue(), ((Number)row.get("count")).longValue(), e.getKey());
            final double p50 = ((Number)row.get("p50Us")).doubleValue();
            final double p99 = ((Number)row.get("p99Us")).doubleValue();
            final double max = ((Number)row.get("maxUs")).doubleValue();
            assertTrue(p50 > 0 && p50 <= p99 && p99 <= max, e.getKey() + ": " + row);
        }
        final Map<?, ?> crash = (Map<?, ?>)rows.get("converge-crash");
        assertTrue(((Number)crash.get("p50Us")).doubleValue() >= 250 * 4 * 1_000, "expired before its TTL: " + crash);
        final Map<?, ?> failover = (Map<?, ?>)rows.get("failover-commit");
        assertTrue(((Number)failover.get("p50Us")).doubleValue() >=
            ((Number)((Map<?, ?>)rows.get("failover-elected")).get("p50Us")).doubleValue(), "committed before a " +
            "leader was elected: " + rows);
        assertTrue(List.of("hosts", "voters", "renewMs", "misses", "electionMs", "machine").stream()
            .allMatch(parsed::containsKey));
    }
}
