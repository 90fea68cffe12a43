package dev.cell.tissue.launch;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleLinesTest
{
    private static final String STARTED = "{\"ts\":\"2026-01-02T03:04:05.678901Z\",\"level\":\"INFO\"," +
        "\"cell\":\"exchange\",\"instance\":\"exchange-4711\",\"event\":\"instance.started\",\"traceId\":null," +
        "\"fields\":{\"pid\":4711,\"latency\":\"eco\"}}";

    @Test
    void aLogObjectBecomesTimeNameLevelEventAndFields()
    {
        assertEquals("03:04:05.678 exchange-4711    | INFO  instance.started pid=4711 latency=eco",
            new ConsoleLines(false).format("exchange-4711", STARTED));
    }

    @Test
    void theTraceIsShownAndLongValuesAreCut()
    {
        final String line = "{\"ts\":\"2026-01-02T03:04:05.678Z\",\"level\":\"WARN\",\"event\":\"call.failed\"," +
            "\"traceId\":\"4bf92f3577b34da6\",\"fields\":{\"detail\":\"" + "x".repeat(200) + "\"}}";
        final String out = new ConsoleLines(false).format("trader-1", line);
        assertTrue(out.endsWith(" trace=4bf92f3577b34da6"), out);
        assertTrue(out.contains("detail=" + "x".repeat(79) + "…"), out);
    }

    @Test
    void otherLinesPassAsTheyCameAndColoursAreOptIn()
    {
        assertEquals("exchange-4711    | WARNING: a JVM warning",
            new ConsoleLines(false).format("exchange-4711", "WARNING: a JVM warning"));
        assertEquals("exchange-4711    | {not json", new ConsoleLines(false).format("exchange-4711", "{not json"));
        final String coloured = new ConsoleLines(true).format("exchange-4711", STARTED);
        assertTrue(coloured.contains("\u001b["), coloured);
        assertEquals(new ConsoleLines(false).format("exchange-4711", STARTED),
            coloured.replaceAll("\u001b\\[[0-9;]*m", ""), "the same text without the colour codes");
    }
}
