package dev.cell.examples.fuzz;

import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.GenomeCodec;
import dev.cell.runtime.genome.PlantedBug;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame fuzzer over every handler of every example cell. {@code -Dcell.fuzz.frames=N} sets the run's size
 * (default 10^5; {@code -Psoak}: 10^6), {@code -Dcell.fuzz.seed=S} replays a run; the seed is printed.
 */
class FrameFuzzTest
{
    private static final Set<String> EXAMPLE_CELLS =
        Set.of("exchange", "trader", "catalog", "orders", "ledger", "storefront", "kv");

    private static long seed()
    {
        final String s = System.getProperty("cell.fuzz.seed", "");
        return s.isBlank() ? System.nanoTime() : Long.parseLong(s.trim());
    }

    private static long frames()
    {
        return Long.getLong("cell.fuzz.frames", 100_000);
    }

    private static Path folder(final String name) throws IOException
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name);
    }

    @Test
    @Timeout(1_800)
    void mutatedFramesOfEveryHandlerNeverBreakDecoding() throws IOException
    {
        final long seed = seed();
        final long frames = frames();
        System.out.println("FrameFuzzTest: seed " + seed + " (replay with -Dcell.fuzz.seed=" + seed + "), " +
            frames + " frames");
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (FrameFuzzer fuzzer = new FrameFuzzer(folder("fuzz"), seed, FrameCheck::of))
        {
            final Set<String> names = new TreeSet<>();
            fuzzer.cells().forEach(c -> names.add(c.name));
            assertEquals(new TreeSet<>(EXAMPLE_CELLS), names, "the fuzzer must see every example cell");

            final long startNs = System.nanoTime();
            final FrameFuzzer.Stats stats = fuzzer.run(seed, frames, false);
            final long ms = (System.nanoTime() - startNs) / 1_000_000;
            System.gc();
            final long heapMiB = memory.getHeapMemoryUsage().getUsed() >> 20;
            System.out.println("FrameFuzzTest: " + stats + " in " + ms + " ms; heap after GC " + heapMiB + " MiB");
            System.out.println("FrameFuzzTest: requests that reached field decoding per handler: " +
                stats.decodedPerHandler);
            assertTrue(stats.failures.isEmpty(), "seed " + seed + ": " + stats.failureCount + " failures, first: " +
                String.join("\n", stats.failures));
            assertEquals(frames, stats.frames);
            assertTrue(stats.reachedDecoding > frames / 10, "only " + stats.reachedDecoding + " frames reached " +
                "field decoding (seed " + seed + ")");
            for (final FrameFuzzer.Cell cell : fuzzer.cells())
            {
                for (final String handler : cell.requestTemplates.values())
                {
                    assertTrue(stats.decodedPerHandler.getOrDefault(cell.name + "." + handler, 0L) > 0,
                        "no frame of " + cell.name + "." + handler + " reached decoding (seed " + seed + ")");
                    assertNull(fuzzer.callOnce(cell, handler, seed), cell.name + "." + handler +
                        " does not answer a valid call after the run (seed " + seed + ")");
                }
            }
            assertTrue(heapMiB < 256, "heap after the run and a GC: " + heapMiB + " MiB");

            // kv still stores and reads back.
            final FrameFuzzer.Cell kv = fuzzer.cells().stream().filter(c -> c.name.equals("kv")).findFirst()
                .orElseThrow();
            final String value = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3});
            final Map<String, Object> put = new LinkedHashMap<>();
            put.put("key", "after-fuzz");
            put.put("value", value);
            fuzzer.call(kv, "put", put);
            final GenomeCodec.Decoded got = fuzzer.call(kv, "get", Map.of("key", "after-fuzz"));
            assertEquals(1L, got.fields().get("found"), got.toJson());
            assertEquals(value, got.fields().get("value"), got.toJson());
        }
    }

    @Test
    @Timeout(600)
    void aPlantedMissingBoundsCheckIsCaught() throws IOException
    {
        final long seed = seed();
        System.out.println("FrameFuzzTest planted bug: seed " + seed);
        // kv's check forgets the length of put's last var data ('value'); every other check is intact.
        try (FrameFuzzer fuzzer = new FrameFuzzer(folder("planted"), seed, genome ->
            genome.cell().equals("kv") ? PlantedBug.withoutLastVarCheck(genome, "put") : FrameCheck.of(genome)))
        {
            final FrameFuzzer.Stats stats = fuzzer.run(seed, frames(), true);
            System.out.println("FrameFuzzTest planted bug: " + stats + (stats.failures.isEmpty() ? "" :
                "; caught: " + stats.failures.getFirst()));
            assertTrue(stats.failureCount > 0, "the fuzzer did not catch the planted bug in " + stats.frames +
                " frames (seed " + seed + ")");
            final String caught = stats.failures.getFirst();
            assertTrue(caught.startsWith("cell 'kv'") && caught.contains("handler 'put'"), caught);
            assertTrue(List.of("IndexOutOfBounds", "NegativeArraySize", "OutOfMemoryError", "allocate")
                .stream().anyMatch(caught::contains), caught);
        }
    }
}
