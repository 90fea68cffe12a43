package dev.cell.tools.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PercentileChartTest
{
    @Test
    void shouldDrawOneLinePerSeriesOnANinesScale() throws Exception
    {
        final Histogram fast = LatencyHarness.newHistogram();
        final Histogram slow = LatencyHarness.newHistogram();
        for (int i = 1; i <= 10_000; i++)
        {
            fast.recordValue(500L + i % 100);
            slow.recordValue(20_000L + i * 10L);
        }
        final Map<String, Histogram> series = new LinkedHashMap<>();
        series.put("fast <ring>", fast);
        series.put("slow", slow);
        series.put("empty", LatencyHarness.newHistogram());

        final String svg = PercentileChart.svg("two & more", series);
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));

        assertEquals("svg", doc.getDocumentElement().getTagName());
        assertEquals(2, doc.getElementsByTagName("polyline").getLength());
        assertTrue(svg.contains("fast &lt;ring&gt;"), svg);
        assertTrue(svg.contains("two &amp; more"), svg);
        assertTrue(svg.contains(">99.99%<"), svg);
        assertTrue(svg.contains(">90%<") && svg.contains(">99%<") && svg.contains(">99.9%<"), svg);
    }
}
