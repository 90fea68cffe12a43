package dev.cell.runtime;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runtime jar carries what a running cell needs: the generic JSON⇄SBE codec and the latency harness live in
 * cell-tools, and no runtime class may reach for them or for HdrHistogram again.
 */
class RuntimeJarTest
{
    private static final Path CLASSES = Path.of("target/classes");
    private static final List<String> FORBIDDEN = List.of("org/HdrHistogram/", "dev/cell/tools/",
        "dev/cell/runtime/genome/GenomeCodec;", "dev/cell/runtime/genome/GenomeCodecReader",
        "dev/cell/runtime/genome/GenomeCodecWriter");

    @Test
    void runtimeClassesUseNeitherTheToolsNorHdrHistogram() throws IOException
    {
        assertEquals(List.of(), offenders(CLASSES), "runtime classes that reference what belongs in cell-tools");
    }

    @Test
    void theCheckFindsAPlantedReference() throws IOException
    {
        final Path dir = Files.createTempDirectory("planted");
        Files.write(dir.resolve("Planted.class"), "....org/HdrHistogram/Histogram....".getBytes(
            StandardCharsets.ISO_8859_1));
        assertEquals(List.of("Planted.class uses org/HdrHistogram/"), offenders(dir));
    }

    private static List<String> offenders(final Path root) throws IOException
    {
        final List<String> found = new ArrayList<>();
        final List<Path> classes;
        try (Stream<Path> walk = Files.walk(root))
        {
            classes = walk.filter(p -> p.toString().endsWith(".class")).sorted().toList();
        }
        assertTrue(!classes.isEmpty(), "no classes under " + root.toAbsolutePath());
        for (final Path c : classes)
        {
            final String bytes = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
            for (final String f : FORBIDDEN)
            {
                if (bytes.contains(f))
                {
                    found.add(root.relativize(c) + " uses " + f);
                }
            }
        }
        return found;
    }
}
