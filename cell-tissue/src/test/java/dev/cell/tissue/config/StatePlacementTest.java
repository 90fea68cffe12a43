package dev.cell.tissue.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code [state] hosts}: one address per replica; this host runs the replicas whose address is its own (loopback
 * here; 192.0.2.x, a documentation range, is nobody's); a count that does not match, a bad or repeated address is
 * refused with its line; without hosts every replica runs here.
 */
class StatePlacementTest
{
    @TempDir
    Path dir;

    private void write(final String state) throws IOException
    {
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n\n[state]\n" + state + "\n");
    }

    @Test
    void thisHostRunsTheReplicasPlacedOnItsAddresses() throws IOException
    {
        write("hosts = [\"127.0.0.1:7801\", \"192.0.2.10:7801\", \"192.0.2.11:7801\"]");
        final TissueConfig.CellSpec cell = TissueConfig.loadCell(dir);
        assertEquals(3, cell.stateReplicas(), "the group has one replica per host listed");
        assertEquals(1, cell.replicas(), "this host runs the one placed on it");
        assertEquals(1, TissueConfig.load(dir).cells().getFirst().replicas(), "the tree reads it alike");
        final StatePlacement placement = StatePlacement.of(dir);
        assertEquals(List.of("127.0.0.1:7801", "192.0.2.10:7801", "192.0.2.11:7801"), placement.hosts());
        assertTrue(placement.spansHosts());

        write("replicas = 3");
        assertFalse(StatePlacement.of(dir).spansHosts());
        assertEquals(3, TissueConfig.loadCell(dir).replicas(), "without hosts every replica runs here");
    }

    @Test
    void badPlacementsAreRefusedWithTheirLine() throws IOException
    {
        for (final String[] bad : new String[][] {
            {"replicas = 3\nhosts = [\"127.0.0.1:1\", \"127.0.0.2:1\"]", "one \"host:port\" per replica (3"},
            {"hosts = [\"127.0.0.1\"]", "is not host:port"},
            {"hosts = [\"127.0.0.1:1\", \"127.0.0.1:1\"]", "listed twice"},
            {"hosts = \"127.0.0.1:1\"", "one \"host:port\" per replica"},
        })
        {
            write(bad[0]);
            final ConfigError e = assertThrows(ConfigError.class, () -> TissueConfig.loadCell(dir), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]) && e.getMessage().contains("line "), bad[0] + " -> " +
                e.getMessage());
        }
    }
}
