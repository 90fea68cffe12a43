package dev.cell.runtime.log;

import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The span writer's own formatter against the log's general one: for random spans (seed printed) both lines parse
 * to the same JSON, timestamps compared as instants; and appending allocates nothing once its buffer has grown.
 */
class SpanLinesTest
{
    private static final String[] HANDLERS = {"place", "cancel", "quote \"x\"", "tab\tand\\", "naïve €", "\u0001"};
    private static final Pattern STRICT_DURATION = Pattern.compile("\"durationUs\":(0|[1-9][0-9]*)\\.[0-9]{1,3},");
    private static final String[] OUTCOMES = {"ok", "error", "failed"};

    @Test
    void aSpanLineParsesToWhatTheLogsOwnFormatterWrites()
    {
        final long seed = System.nanoTime();
        System.out.println("SpanLinesTest seed " + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 5_000; i++)
        {
            final long nowMs = random.nextLong(0, 7_258_118_400_000L); // 1970 to 2200
            final long high = random.nextInt(4) == 0 ? 0 : random.nextLong();
            final long low = high == 0 && random.nextBoolean() ? 0 : random.nextLong();
            final long span = random.nextInt(8) == 0 ? 0 : random.nextLong();
            final long parent = random.nextInt(3) == 0 ? 0 : random.nextLong();
            final String handler = HANDLERS[random.nextInt(HANDLERS.length)];
            final long startNs = random.nextInt(5) == 0 ? (random.nextLong(0, 9_000_000_000L) * 1_000_000_000L) :
                random.nextLong(0, Long.MAX_VALUE);
            final long durationNs = random.nextInt(4) == 0 ? random.nextLong(0, 10) * 1_000 :
                random.nextLong(0, 100_000_000_000L);
            final String outcome = OUTCOMES[random.nextInt(OUTCOMES.length)];

            final SpanLines lines = new SpanLines("orders", "orders-4711 \"a\"");
            lines.append(nowMs, high, low, span, parent, handler, startNs, durationNs, outcome);
            final String ours = lines.text();
            assertTrue(ours.endsWith("\n") && ours.indexOf('\n') == ours.length() - 1, ours);
            assertTrue(STRICT_DURATION.matcher(ours).find(), "a JSON number with its decimals: " + ours);
            final String general = JsonLinesLog.format(Instant.ofEpochMilli(nowMs), CellLog.Level.INFO, "orders",
                "orders-4711 \"a\"", "span", high, low, span,
                "handler", handler,
                "parentSpanId", parent == 0 ? null : dev.cell.runtime.trace.TraceContext.spanIdHex(parent),
                "start", Instant.ofEpochSecond(0, startNs).toString(),
                "durationUs", durationNs / 1_000.0,
                "outcome", outcome);
            final Map<String, Object> a = Json.parseObject(ours.trim());
            final Map<String, Object> b = Json.parseObject(general);
            assertEquals(Instant.parse((String)b.remove("ts")), Instant.parse((String)a.remove("ts")), ours);
            @SuppressWarnings("unchecked") final Map<String, Object> fa = (Map<String, Object>)a.remove("fields");
            @SuppressWarnings("unchecked") final Map<String, Object> fb = (Map<String, Object>)b.remove("fields");
            assertEquals(Instant.parse((String)fb.remove("start")), Instant.parse((String)fa.remove("start")), ours);
            assertEquals(((Number)fb.remove("durationUs")).doubleValue(), ((Number)fa.remove("durationUs")).doubleValue(),
                ours);
            assertEquals(b, a, ours);
            assertEquals(fb, fa, ours);
            assertEquals(b.keySet().toString(), a.keySet().toString(), "the same fields in the same order");
        }
    }

    @Test
    void appendingAllocatesNothingOnceTheBufferHasGrown()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final SpanLines lines = new SpanLines("orders", "orders-1");
        final String handler = "place";
        for (int round = 0; round < 3; round++)
        {
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100; i++)
            {
                lines.append(1_767_225_600_000L + i, 0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, i + 1, i, handler,
                    1_767_225_600_123_456_789L + i, 812_345L + i, "ok");
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (round > 0) // the first round grows the buffer and names the handler once
            {
                assertEquals(0, allocated, "bytes allocated by 100 appends, round " + round);
            }
            assertTrue(lines.length() > 100 * 200);
            lines.reset();
        }
    }
}
