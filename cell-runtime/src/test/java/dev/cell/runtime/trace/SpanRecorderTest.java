package dev.cell.runtime.trace;

import com.sun.net.httpserver.HttpServer;
import dev.cell.runtime.log.CellLog;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpanRecorderTest
{
    record Line(String event, long high, long low, long span, Map<String, Object> fields)
    {
    }

    static final class Lines implements CellLog
    {
        final List<Line> lines = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void log(final Level level, final String event, final long traceIdHigh, final long traceIdLow,
            final long spanId, final Object... fields)
        {
            final Map<String, Object> map = new java.util.LinkedHashMap<>();
            for (int i = 0; i + 1 < fields.length; i += 2)
            {
                map.put((String)fields[i], fields[i + 1]);
            }
            lines.add(new Line(event, traceIdHigh, traceIdLow, spanId, map));
        }
    }

    @Test
    void aFullRingDropsAndCountsAndCloseWritesEverythingInOrder()
    {
        final Lines log = new Lines();
        final List<Long> exported = new ArrayList<>();
        final AtomicBoolean closed = new AtomicBoolean();
        final SpanRecorder.Sink sink = new SpanRecorder.Sink()
        {
            @Override
            public void span(final long traceIdHigh, final long traceIdLow, final long spanId,
                final long parentSpanId, final String handler, final long startEpochNs, final long durationNs,
                final int outcome)
            {
                exported.add(spanId);
            }

            @Override
            public void close()
            {
                closed.set(true);
            }
        };
        final SpanRecorder recorder = new SpanRecorder("test-spans", log, 4, List.of(sink));
        for (int i = 1; i <= 4; i++)
        {
            assertTrue(recorder.record(7, 8, i, i - 1, "h" + i, 1_000_000_000L * i, 1_500 * i, SpanRecorder.OK));
        }
        assertFalse(recorder.record(7, 8, 5, 4, "h5", 5, 5, SpanRecorder.OK), "the writer has not started: full");
        assertEquals(1, recorder.dropped());
        recorder.start();
        recorder.close();
        assertTrue(closed.get());
        assertEquals(List.of(1L, 2L, 3L, 4L), exported);
        final List<Line> spans = log.lines.stream().filter(l -> l.event().equals("span")).toList();
        assertEquals(4, spans.size(), log.lines.toString());
        final Line second = spans.get(1);
        assertEquals(7, second.high());
        assertEquals(8, second.low());
        assertEquals(2, second.span());
        assertEquals("h2", second.fields().get("handler"));
        assertEquals(TraceContext.spanIdHex(1), second.fields().get("parentSpanId"));
        assertEquals("1970-01-01T00:00:02Z", second.fields().get("start"));
        assertEquals(3.0, second.fields().get("durationUs"));
        assertEquals("ok", second.fields().get("outcome"));
        assertNull(spans.getFirst().fields().get("parentSpanId"), "a root's parent 0 is written as null");
        final Line dropped = log.lines.stream().filter(l -> l.event().equals("trace.spans.dropped")).findFirst()
            .orElseThrow(() -> new AssertionError("no drop report in " + log.lines));
        assertEquals(1L, dropped.fields().get("total"));
    }

    @Test
    void aCollectorThatNeverAnswersHoldsNoSpanLineBack() throws Exception
    {
        final Lines log = new Lines();
        final CountDownLatch release = new CountDownLatch(1);
        final HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange ->
        {
            try
            {
                release.await(30, TimeUnit.SECONDS); // takes the post and answers nothing
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        collector.setExecutor(Executors.newCachedThreadPool());
        collector.start();
        final OtlpExporter exporter = new OtlpExporter(URI.create("http://127.0.0.1:" +
            collector.getAddress().getPort()), "echo", "echo-1", log);
        final SpanRecorder recorder = new SpanRecorder("test-spans", log, 1024, List.of(exporter)).start();
        try
        {
            // 600 spans: a post at 256, another due at 512 while the first is unanswered.
            for (int i = 1; i <= 600; i++)
            {
                assertTrue(recorder.record(7, 8, i, 0, "echo", 1_000_000_000L * i, 1_000, SpanRecorder.OK));
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            List<Line> seen = List.copyOf(log.lines); // toArray: under the list's lock
            while (seen.stream().filter(l -> l.event().equals("span")).count() < 600)
            {
                assertTrue(System.nanoTime() - deadline < 0, "span lines: " + seen.size());
                Thread.onSpinWait();
                seen = List.copyOf(log.lines);
            }
            final List<String> events = seen.stream().map(Line::event).distinct().toList();
            assertFalse(seen.subList(0, 600).stream().anyMatch(l -> l.event().equals("trace.otlp.failed")),
                "every span line was written before the unanswered post failed: " + events);
        }
        finally
        {
            release.countDown();
            recorder.close();
            collector.stop(0);
        }
    }

    @Test
    void outcomesHaveNames()
    {
        assertEquals("ok", SpanRecorder.outcomeName(SpanRecorder.OK));
        assertEquals("error", SpanRecorder.outcomeName(SpanRecorder.ERROR));
        assertEquals("failed", SpanRecorder.outcomeName(SpanRecorder.FAILED));
        assertEquals("unknown_handler", SpanRecorder.outcomeName(SpanRecorder.UNKNOWN_HANDLER));
        assertEquals("unavailable", SpanRecorder.outcomeName(SpanRecorder.UNAVAILABLE));
        assertEquals("refused", SpanRecorder.outcomeName(SpanRecorder.REFUSED));
    }

    @Test
    void modesSayWhatIsRecorded()
    {
        assertTrue(TraceMode.ALL.records(0));
        assertTrue(TraceMode.SAMPLED.records(TraceContext.SAMPLED));
        assertFalse(TraceMode.SAMPLED.records(0));
        assertFalse(TraceMode.OFF.records(TraceContext.SAMPLED));
        assertEquals(TraceMode.OFF, TraceMode.parse(" Off "));
        assertEquals("sampled", TraceOptions.parse(null, "").mode().text());
        assertEquals("http://127.0.0.1:4318/v1/traces",
            OtlpExporter.tracesUrl(java.net.URI.create("http://127.0.0.1:4318/")).toString());
        assertEquals("http://c:4318/v1/traces",
            OtlpExporter.tracesUrl(java.net.URI.create("http://c:4318/v1/traces")).toString());
        assertThrows(IllegalArgumentException.class,
            () -> TraceOptions.parse("all", "ftp://x"));
        assertThrows(IllegalArgumentException.class,
            () -> TraceMode.parse("some"));
    }
}
