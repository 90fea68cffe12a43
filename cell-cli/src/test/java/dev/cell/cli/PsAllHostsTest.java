package dev.cell.cli;

import dev.cell.runtime.discovery.RegistryView;
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
 * {@code cell ps --all-hosts} reads this host's registry view (written by hand here as the host agent writes it):
 * every fresh file's instances, with their host, region, axon, fingerprint and identity; a view its agent stopped
 * rewriting is not shown.
 */
class PsAllHostsTest
{
    @TempDir
    Path home;

    @Test
    void listsEveryHostsInstancesFromTheViewAndSkipsAStaleOne() throws IOException
    {
        final Path view = Files.createDirectories(RegistryView.dir(home));
        Files.writeString(view.resolve("exchange"), RegistryView.line("exchange-b", "10.0.0.2:7400", "ed25519:bbb",
            "00000000000000aa", "host-b", "eu", new RegistryView.Load(40, 180, 3, 1200), "2.1.0") +
            RegistryView.line("exchange-c", "10.0.0.3:7400", "ed25519:ccc", "00000000000000aa", "host-c", "",
                RegistryView.Load.NONE, "2.1.0"));
        Files.writeString(view.resolve("prices"), RegistryView.line("prices-a", "10.0.0.1:7700", "ed25519:aaa",
            "00000000000000bb", "host-a", "", RegistryView.Load.NONE, "1.0.0"));
        Files.setLastModifiedTime(view.resolve("prices"),
            FileTime.fromMillis(System.currentTimeMillis() - RegistryView.MAX_AGE_MS - 1_000));
        try (CellHomeProperty ignored = CellHomeProperty.set(home))
        {
            final Cli table = Cli.run("ps", "--all-hosts");
            assertEquals(0, table.code(), table.toString());
            assertTrue(table.out().lines().anyMatch(l -> l.startsWith("exchange") && l.contains("exchange-b") &&
                l.contains("host-b") && l.contains("eu") && l.contains("10.0.0.2:7400") && l.matches(".*1200 +180 µs +3 .*")),
                table.toString());
            assertTrue(table.out().contains("exchange-c") && table.out().contains("host-c"), table.toString());
            assertTrue(!table.out().contains("prices-a"), "a stale view is not shown: " + table);

            final Cli json = Cli.run("ps", "--all-hosts", "--json");
            final List<?> rows = (List<?>)Json.parse(json.out().strip());
            assertEquals(2, rows.size(), json.toString());
            assertEquals("ed25519:ccc", ((Map<?, ?>)rows.get(1)).get("identity"));
            assertEquals(3L, ((Map<?, ?>)rows.get(0)).get("queueDepth"));
            assertEquals("2.1.0", ((Map<?, ?>)rows.get(0)).get("version"));

            Files.delete(view.resolve("exchange"));
            final Cli none = Cli.run("ps", "--all-hosts");
            assertTrue(none.out().contains("no instance of any host is listed here"), none.toString());
        }
    }
}
