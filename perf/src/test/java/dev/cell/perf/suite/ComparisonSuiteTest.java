package dev.cell.perf.suite;

import dev.cell.runtime.genome.Json;
import dev.cell.tools.bench.LatencyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComparisonSuiteTest
{
    @TempDir
    Path tmp;

    /**
     * A small end-to-end run of the two paths that block in the kernel (nothing spins): peer processes start, are
     * measured in both modes and stopped, and the report files are written and parse back. Asserts no timing.
     */
    @Test
    void aSmallRunWritesTheReport() throws Exception
    {
        final String[] args = {"--only", "tcp,uds", "--rounds", "2", "--warmup", "0", "--warmup-calls", "200",
            "--seconds", "0.2", "--rate", "500", "--rate-seconds", "0.2", "--out", tmp.toString()};
        assertEquals(0, ComparisonSuite.run(ComparisonSuite.Options.parse(args), args));

        final List<Path> files;
        try (Stream<Path> list = Files.list(tmp))
        {
            files = list.sorted().toList();
        }
        assertEquals(5, files.size(), files::toString);
        final Path json = files.stream().filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        final Map<String, Object> report = Json.parseObject(Files.readString(json));
        assertEquals(32L, ((Number)report.get("messageBytes")).longValue());
        final List<?> paths = (List<?>)report.get("paths");
        assertEquals(List.of("tcp", "uds"), paths.stream().map(p -> ((Map<?, ?>)p).get("id")).toList());
        assertEquals(List.of(), report.get("targets"), "no target has both its paths in this run");
        for (final Object p : paths)
        {
            final Map<?, ?> path = (Map<?, ?>)p;
            assertEquals("blocking (kernel wake-up)", path.get("waitProfile"));
            final Map<?, ?> b2b = (Map<?, ?>)path.get("backToBack");
            assertTrue(((Number)b2b.get("count")).longValue() > 0, b2b::toString);
            assertEquals(2, ((List<?>)b2b.get("p50UsPerRound")).size());
            final Map<?, ?> fixed = (Map<?, ?>)path.get("fixedRate");
            assertTrue(fixed.containsKey("count") || fixed.containsKey("roundsLeftOutRateNotKept"), fixed::toString);
            assertFalse(b2b.containsKey("ratioToFloor"), "no floor in this run, no ratio to it");
        }
        final String md = Files.readString(files.stream().filter(f -> f.toString().endsWith(".md")).findFirst()
            .orElseThrow());
        assertTrue(md.contains("| TCP loopback, JDK channels | blocking (kernel wake-up) |"), md);
        assertTrue(files.stream().anyMatch(f -> f.toString().endsWith("-back-to-back.svg")), files::toString);
        assertTrue(Files.readString(files.stream().filter(f -> f.toString().endsWith(".html")).findFirst()
            .orElseThrow()).contains("<table>"));
    }

    /**
     * The UDP rows start their peer (an Aeron peer with its own driver, a CellMain instance with an axon), connect to
     * it (the encrypted row pinning the instance's key), echo and stop; nothing spins; where network namespaces can be
     * made, the namespace rows too. Asserts no timing.
     */
    @Test
    void theUdpRowsConnectEchoAndStop() throws Exception
    {
        final Map<String, Contender> byId = new java.util.HashMap<>();
        Contender.all(SpinBudget.forCores(2)).forEach(c -> byId.put(c.id(), c));
        final List<String> ids = new java.util.ArrayList<>(List.of("aeron-udp", "axon", "axon-plain"));
        if (Netns.unavailable() == null)
        {
            // As root with iproute2 (CI): the same between two network namespaces, peers inside one this run made.
            ids.addAll(List.of("aeron-udp-netns", "axon-netns", "axon-plain-netns"));
        }
        for (final String id : ids)
        {
            final Path work = Files.createDirectories(tmp.resolve(id));
            try (Contender.Session session = byId.get(id).opener().open(work))
            {
                for (int i = 0; i < 1_000; i++)
                {
                    session.probe().call();
                }
            }
            assertEquals(null, System.getProperty("cell.axon.plaintext"),
                "the plaintext switch is set for the plaintext row's connect only: " + id);
        }
    }

    @Test
    void warmUpMakesAtLeastTheMinimumCalls() throws Exception
    {
        final AtomicLong calls = new AtomicLong();
        assertEquals(5_000, ComparisonSuite.warmUp(calls::incrementAndGet, Duration.ZERO, 5_000));
        assertEquals(5_000, calls.get());
    }

    @Test
    void aFixedRateRunThatCannotKeepTheRateIsStopped()
    {
        // a probe that takes 1 ms cannot keep 100,000 calls/s: the guard stops it long before its 10 s duration
        final GuardedProbe slow = new GuardedProbe(() -> Thread.sleep(1), Duration.ofMillis(100));
        final long startNs = System.nanoTime();
        final GuardedProbe.RateNotKept ex = assertThrows(GuardedProbe.RateNotKept.class,
            () -> LatencyHarness.fixedRate(slow, 100_000, Duration.ZERO, Duration.ofSeconds(10)));
        assertTrue(ex.getMessage().startsWith("could not keep the rate"), ex.getMessage());
        assertTrue(System.nanoTime() - startNs < Duration.ofSeconds(9).toNanos(), "stopped by the guard");
    }

    @Test
    void optionsHaveDefaultsAndBadOnesAreNamed()
    {
        final ComparisonSuite.Options defaults = ComparisonSuite.Options.parse(new String[0]);
        assertEquals(3, defaults.rounds());
        assertEquals(2_000, defaults.rate());
        assertEquals(Path.of("perf", "results"), defaults.out());
        final ComparisonSuite.Options some = ComparisonSuite.Options.parse(
            new String[] {"--rounds", "1", "--rate", "5,000", "--seconds", "0.5", "--only", "floor,grpc"});
        assertEquals(1, some.rounds());
        assertEquals(5_000, some.rate());
        assertEquals(0.5, some.seconds());
        assertEquals(java.util.Set.of("floor", "grpc"), some.only());
        assertEquals(null, ComparisonSuite.Options.parse(new String[] {"--help"}));

        assertEquals("--rounds takes a whole number, not 'three'", assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--rounds", "three"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--rate", "0"})).getMessage()
            .startsWith("--rate must be between 1 and"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--seconds", "soon"})).getMessage()
            .contains("takes seconds"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--fast"})).getMessage()
            .startsWith("option --fast needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ComparisonSuite.Options.parse(new String[] {"--fast", "yes"})).getMessage()
            .startsWith("unknown option --fast; usage: ./cell perf"));
    }

    @Test
    void aBusyMachineIsRecognisedFromItsLoadAverage()
    {
        assertTrue(ComparisonSuite.loadBusy("1.50 0.80 0.40", 2));
        assertFalse(ComparisonSuite.loadBusy("0.90 3.00 3.00", 2));
        assertFalse(ComparisonSuite.loadBusy("unknown", 2));
        assertFalse(ComparisonSuite.loadAverage().isEmpty());
    }
}
