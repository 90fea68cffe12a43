package dev.cell.tissue.observe;

import dev.cell.ring.CountersSnapshot;
import dev.cell.ring.InstanceFile;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance file is written by another process: one whose counters cannot be counts (negative, or past 2^53) is
 * left out of the scrape, and the other instances are still scraped.
 */
class InstanceMetricsTest
{
    /** Where handler slot 0's calls counter lies: after the 4 KiB fixed header (architecture.md, Metrics). */
    private static final int SLOT_0_CALLS = 4096;

    @TempDir
    Path tmp;

    @Test
    void anInstanceWithImpossibleCountersIsLeftOutAndTheOthersAreScraped() throws Exception
    {
        try (InstanceFile good = file("good", 0x11); InstanceFile bad = file("bad", 0x22))
        {
            for (int i = 0; i < 3; i++)
            {
                good.counters().handlerCall(0);
                bad.counters().handlerCall(0);
            }
            final CountersSnapshot s = new CountersSnapshot();
            assertTrue(s.read(bad.path()));
            assertTrue(InstanceMetrics.plausible(s), "three calls are counts");
            for (final long hostile : new long[]{-5, 1L << 60, Long.MIN_VALUE})
            {
                poke(bad.path(), hostile);
                assertTrue(s.read(bad.path()));
                assertFalse(InstanceMetrics.plausible(s), "slot calls " + hostile);
            }

            final InstanceMetrics metrics = new InstanceMetrics();
            metrics.add("meter", "meter-bad", "eco", s, List.of("alpha"), System.currentTimeMillis());
            final CountersSnapshot fine = new CountersSnapshot();
            assertTrue(fine.read(good.path()));
            metrics.add("meter", "meter-good", "eco", fine, List.of("alpha"), System.currentTimeMillis());
            assertEquals(1, metrics.skipped());
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            PrometheusTextFormatWriter.create().write(out, new MetricSnapshots(metrics.build()));
            final String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("instance=\"meter-good\""), text);
            assertFalse(text.contains("meter-bad"), text);
        }
    }

    private InstanceFile file(final String name, final long fingerprint) throws Exception
    {
        return InstanceFile.create(Files.createDirectories(tmp.resolve(name)), fingerprint,
            InstanceFile.DEFAULT_ACCEPT_CAPACITY);
    }

    private static void poke(final Path file, final long value) throws Exception
    {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, SLOT_0_CALLS + 8);
            map.order(ByteOrder.nativeOrder()).putLong(SLOT_0_CALLS, value);
            map.force();
        }
    }
}
