package dev.cell.cli;

import dev.cell.runtime.client.RaceReport;
import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell ps --clients}: this host's racing clients from their report files; one whose process is gone or whose
 * file went stale is not shown.
 */
class PsClientsTest
{
    @TempDir
    Path home;

    private void report(final String name, final long pid) throws IOException
    {
        final Path dir = Files.createDirectories(RaceReport.dir(home));
        Files.writeString(dir.resolve(name), Json.write(Map.of("cell", "exchange", "client", "trader@a", "pid", pid,
            "current", "exchange-b", "instances", List.of(
                Map.of("instance", "exchange-b", "where", "instance exchange-b", "share", 0.987, "costUs", 210L,
                    "queueDepth", 0L, "ejected", false),
                Map.of("instance", "axon:10.0.0.3:7400", "where", "10.0.0.3:7400", "share", 0.013, "costUs", 5100L,
                    "queueDepth", 4L, "ejected", true)))));
    }

    @Test
    void listsLiveClientsWithTheirCurrentInstanceAndShares() throws IOException
    {
        report("exchange." + ProcessHandle.current().pid(), ProcessHandle.current().pid());
        report("exchange.2147483646", 2_147_483_646L); // no such process
        report("prices." + ProcessHandle.current().pid(), ProcessHandle.current().pid());
        Files.setLastModifiedTime(RaceReport.dir(home).resolve("prices." + ProcessHandle.current().pid()),
            FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        try (CellHomeProperty ignored = CellHomeProperty.set(home))
        {
            final Cli table = Cli.run("ps", "--clients");
            assertEquals(0, table.code(), table.toString());
            assertTrue(table.out().lines().anyMatch(l -> l.startsWith("trader@a") && l.contains("exchange-b") &&
                l.contains("98.7 %") && l.contains("210 µs") && l.contains("current")), table.toString());
            assertTrue(table.out().lines().anyMatch(l -> l.contains("10.0.0.3:7400") && l.contains("1.3 %") &&
                l.contains("ejected")), table.toString());
            assertEquals(3, table.out().lines().count(), "a header and one live, fresh client's two rows: " + table);

            final List<?> json = (List<?>)Json.parse(Cli.run("ps", "--clients", "--json").out().strip());
            assertEquals(1, json.size());
            assertEquals("exchange-b", ((Map<?, ?>)json.getFirst()).get("current"));
        }
    }
}
