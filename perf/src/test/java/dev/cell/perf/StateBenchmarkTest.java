package dev.cell.perf;

import dev.cell.perf.suite.ComparisonSuite;
import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateBenchmarkTest
{
    @TempDir
    Path tmp;

    /**
     * A short run of the floors, a plain Ratis group (submitted into its leader), its unsafe twin and an Aeron Cluster
     * of 3 (launched and closed for each row, so it answers after every relaunch): the JSON has one
     * entry per row and concurrency with the documented fields, every row names its durability, the unsafe row is
     * labelled and counts toward no goal, the goals are checked against the floor. Asserts no timing.
     */
    @Test
    void aShortRunWritesOneEntryPerRowWithItsDurability() throws Exception
    {
        final Path json = tmp.resolve("results").resolve("state.json");
        final StateBenchmark.Options o = StateBenchmark.parse(new String[] {
            "--only", "fdatasync-floor,loopback-tcp,ratis-embedded,ratis-embedded-unsafe-flush,aeron-cluster", "--unsafe",
            "--seconds", "0.3", "--warmup", "0.3", "--rounds", "1", "--clients", "4", "--dir", tmp.toString(),
            "--json", json.toString()});
        final Map<String, Object> report = StateBenchmark.run(o);
        Files.createDirectories(json.getParent());
        Files.writeString(json, ComparisonSuite.prettyJson(report));

        final Map<String, Object> parsed = Json.parseObject(Files.readString(json));
        assertEquals("state", parsed.get("benchmark"));
        assertEquals(32L, ((Number)parsed.get("commandBytes")).longValue());
        assertTrue(parsed.get("loadAverageAtStart") instanceof String);
        final List<?> rows = assertInstanceOf(List.class, parsed.get("rows"));
        final Set<String> seen = new HashSet<>();
        for (final Object o1 : rows)
        {
            final Map<?, ?> row = assertInstanceOf(Map.class, o1);
            for (final String field : List.of("id", "clients", "p50Us", "p99Us", "commitsPerSec", "durability",
                "acknowledgedAfterMajoritySync", "countsTowardGoals"))
            {
                assertTrue(row.containsKey(field), field + " missing in " + row);
            }
            assertFalse(((String)row.get("durability")).isBlank());
            assertTrue(((Number)row.get("p50Us")).doubleValue() > 0, "a row measured something: " + row);
            seen.add(row.get("id") + "/" + ((Number)row.get("clients")).intValue());
            if (row.get("id").equals("ratis-embedded-unsafe-flush"))
            {
                assertEquals(false, row.get("acknowledgedAfterMajoritySync"));
                assertEquals(false, row.get("countsTowardGoals"));
            }
            if (row.get("id").equals("ratis-embedded"))
            {
                assertEquals(true, row.get("countsTowardGoals"));
            }
        }
        assertEquals(Set.of("fdatasync-floor/1", "loopback-tcp/1", "ratis-embedded/1", "ratis-embedded/4",
            "ratis-embedded-unsafe-flush/1", "ratis-embedded-unsafe-flush/4", "aeron-cluster/1", "aeron-cluster/4"),
            seen);

        final List<?> goals = assertInstanceOf(List.class, parsed.get("goals"));
        assertEquals(6, goals.size(), "two latency goals and one throughput goal, for each safe engine: " + goals);
        assertEquals(Set.of("ratis-embedded", "aeron-cluster"),
            Set.copyOf(goals.stream().map(g -> ((Map<?, ?>)g).get("row")).toList()));
        final Map<?, ?> engines = assertInstanceOf(Map.class, parsed.get("engineComparison"));
        assertTrue(engines.get("ratisWithin2x") instanceof Boolean, "the engine decision is written: " + engines);
    }

    @Test
    void theResultsFileIsNamedByDateAndMachine() throws Exception
    {
        final StateBenchmark.Options o = StateBenchmark.parse(new String[0]);
        final String name = o.json().getFileName().toString();
        assertTrue(name.matches("\\d{4}-\\d{2}-\\d{2}-\\d+cpu.*-state\\.json"), name);
        assertEquals(Path.of("perf", "results"), o.json().getParent());
    }
}
