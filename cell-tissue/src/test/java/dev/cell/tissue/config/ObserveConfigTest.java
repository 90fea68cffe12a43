package dev.cell.tissue.config;

import dev.cell.runtime.trace.TraceMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code [observe]}: what a tissue sets reaches every cell below it, a cell's own keys win, and each mistake is
 * refused with its file and line.
 */
class ObserveConfigTest
{
    @TempDir
    Path dir;

    @Test
    void aCellInheritsEachKeyFromTheNearestFolderAboveThatSetsIt() throws IOException
    {
        write("cell.toml", """
            [tissue]
            name = "shop"

            [cells]
            front = { path = "front" }
            group = { path = "group" }

            [observe]
            trace = "all"
            otlp = "http://127.0.0.1:4318"
            """);
        write("front/cell.toml", """
            [cell]
            name = "front"

            [observe]
            sample = 0.5
            """);
        write("group/cell.toml", """
            [cells]
            back = { path = "../back" }

            [observe]
            trace = "off"
            """);
        write("back/cell.toml", "[cell]\nname = \"back\"\n");
        final TissueTree tree = TissueTree.load(dir);
        final ObserveConfig front = tree.node("front").cell().observe();
        assertEquals(new ObserveConfig(TraceMode.ALL, 0.5, URI.create("http://127.0.0.1:4318")), front);
        final ObserveConfig back = tree.node("back").cell().observe();
        assertEquals(new ObserveConfig(TraceMode.OFF, null, URI.create("http://127.0.0.1:4318")), back,
            "the grouping folder's trace wins over the tissue's; sample not set anywhere above it");
        assertEquals(0.01, back.sampleRate());
        assertEquals(List.of("--trace", "off", "--otlp", "http://127.0.0.1:4318"), back.instanceArgs());
        assertEquals(List.of("--trace", "all", "--trace-sample", "0.5", "--otlp", "http://127.0.0.1:4318"),
            front.instanceArgs());
    }

    @Test
    void nothingSetMeansTheRuntimeDefaultsAndNoArguments() throws IOException
    {
        write("cell.toml", "[cell]\nname = \"solo\"\n");
        final ObserveConfig observe = TissueConfig.load(dir).cells().getFirst().observe();
        assertEquals(ObserveConfig.NONE, observe);
        assertEquals(TraceMode.SAMPLED, observe.traceMode());
        assertEquals(List.of(), observe.instanceArgs());
    }

    @Test
    void aCellFolderAloneReadsItsOwnTable() throws IOException
    {
        write("cell.toml", "[cell]\nname = \"solo\"\n[observe]\nsample = 1\n");
        assertEquals(List.of("--trace-sample", "1.0"), TissueConfig.loadCell(dir).observe().instanceArgs());
    }

    @Test
    void mistakesNameTheFileAndLine() throws IOException
    {
        refused("[observe]\ntrace = \"some\"\n", "observe.trace = \"some\" is not a trace mode", 5);
        refused("[observe]\nsample = 1.5\n", "observe.sample = 1.5 must be a number from 0 to 1", 5);
        refused("[observe]\nsample = \"half\"\n", "observe.sample = \"half\" must be a number", 5);
        refused("[observe]\notlp = \"ftp://collector\"\n", "is not an http:// or https:// URL", 5);
        refused("[observe]\notlp = 4318\n", "observe.otlp = 4318: not a string", 5);
        refused("[observe]\n\nmetrix = true\n", "unknown key 'observe.metrix'", 6);
    }

    private void refused(final String observe, final String message, final int line) throws IOException
    {
        write("cell.toml", "[cell]\nname = \"solo\"\n\n" + observe);
        final ConfigError bad = assertThrows(ConfigError.class, () -> TissueConfig.load(dir));
        assertTrue(bad.getMessage().contains(message), bad.getMessage());
        assertTrue(bad.getMessage().startsWith(dir.resolve("cell.toml").toString()), bad.getMessage());
        assertEquals(line, bad.line(), bad.getMessage());
    }

    private void write(final String name, final String text) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
