package dev.cell.tissue.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code metrics} in {@code [tissue]} or {@code [cell]} of the top {@code cell.toml}: loopback and any free port
 * without it, {@code host:port} or {@code "off"} with it, errors with the file and line, and a child's setting
 * checked but not used.
 */
@Timeout(30)
class MetricsListenTest
{
    @TempDir
    Path dir;

    @Test
    void withoutTheKeyTheEndpointIsOnLoopbackOnAnyFreePort() throws IOException
    {
        write("cell.toml", "[cell]\nname = \"solo\"\n");
        final MetricsListen m = TissueTree.load(dir).metrics();
        assertEquals(MetricsListen.DEFAULT, m);
        assertEquals("127.0.0.1", m.host());
        assertEquals(0, m.port());
        assertTrue(m.enabled());
    }

    @Test
    void theTopFileSetsItInTissueOrInCell() throws IOException
    {
        write("cell.toml", "[tissue]\nname = \"shop\"\nmetrics = \"127.0.0.1:9400\"\n[cells]\na = { path = \"a\" }\n");
        write("a/cell.toml", "[cell]\nname = \"a\"\nmetrics = \"[::1]:9500\"\n");
        assertEquals(new MetricsListen("127.0.0.1", 9400), TissueTree.load(dir).metrics(), "the top file's");
        assertEquals(new MetricsListen("::1", 9500), TissueTree.load(dir.resolve("a")).metrics(),
            "the cell run alone: its own");
        write("cell.toml", "[tissue]\nmetrics = \"off\"\n[cells]\na = { path = \"a\" }\n");
        final MetricsListen off = TissueTree.load(dir).metrics();
        assertFalse(off.enabled());
        assertEquals("off", off.toString());
    }

    @Test
    void aBadValueNamesTheFileAndLine() throws IOException
    {
        write("cell.toml", "[cell]\nname = \"solo\"\nmetrics = \"9400\"\n");
        final ConfigError noHost = assertThrows(ConfigError.class, () -> TissueTree.load(dir));
        assertEquals(3, noHost.line());
        assertTrue(noHost.getMessage().contains("cell.metrics = \"9400\": no port"), noHost.getMessage());
        assertTrue(noHost.getMessage().contains("e.g. metrics = \"127.0.0.1:9400\""), noHost.getMessage());

        write("cell.toml", "[cell]\nname = \"solo\"\n\n[tissue]\nmetrics = 9400\n");
        final ConfigError notString = assertThrows(ConfigError.class, () -> TissueTree.load(dir));
        assertEquals(5, notString.line());
        assertTrue(notString.getMessage().contains("tissue.metrics = 9400: not a string"), notString.getMessage());

        write("cell.toml", "[cell]\nname = \"solo\"\nmetrics = \"127.0.0.1:70000\"\n");
        final ConfigError port = assertThrows(ConfigError.class, () -> TissueTree.load(dir));
        assertTrue(port.getMessage().contains("port 70000"), port.getMessage());

        write("cell.toml", "[cell]\nname = \"solo\"\nmetrics = \"127.0.0.1:1\"\n[tissue]\nmetrics = \"off\"\n");
        final ConfigError twice = assertThrows(ConfigError.class, () -> TissueTree.load(dir));
        assertEquals(3, twice.line());
        assertTrue(twice.getMessage().contains("set it once"), twice.getMessage());
    }

    @Test
    void aChildsBadValueIsStillAnError() throws IOException
    {
        write("cell.toml", "[cells]\na = { path = \"a\" }\n");
        write("a/cell.toml", "[cell]\nname = \"a\"\n\nmetrics = \"localhost\"\n");
        final ConfigError e = assertThrows(ConfigError.class, () -> TissueTree.load(dir));
        assertEquals(dir.resolve("a/cell.toml"), e.file());
        assertEquals(4, e.line());
    }

    private void write(final String file, final String text) throws IOException
    {
        final Path p = dir.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
