package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.service.AsyncDispatcher;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.Envelope;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.trace.TraceContext;
import dev.cell.runtime.trace.TraceIds;
import dev.cell.runtime.trace.TraceMode;
import dev.cell.runtime.trace.TraceOptions;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.fingerprint;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trace propagation through in-process cells: a handler's calls carry its inbound trace with its span as parent, its
 * log lines carry both, calls from outside any handler start traces of their own, and every dispatched request
 * (synchronous or asynchronous) is one span record.
 */
class TracePropagationTest
{
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception
    {
        TraceIds.sampleRate(TraceIds.DEFAULT_SAMPLE_RATE);
        TraceContext.current().clear();
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
    }

    @Test
    void aHandlersCallCarriesItsInboundTraceWithItsSpanAsParentAndItsLogLinesCarryBoth() throws Exception
    {
        final Path home = newDir("home");
        final Entries backLog = new Entries();
        final Entries frontLog = new Entries();
        final List<Seen> backSeen = Collections.synchronizedList(new ArrayList<>());
        serve("back", seeing(EchoCell.dispatcher(), backSeen), home, backLog, TraceOptions.DEFAULT);
        final Front front = new Front(home, frontLog);
        open.add(front);
        serve("front", front, home, frontLog, TraceOptions.DEFAULT);
        final CellConnection c = connect("front", home);

        final TraceContext trace = TraceContext.current().startTrace(true);
        final long high = trace.traceIdHigh();
        final long low = trace.traceIdLow();
        assertEquals(5, echo(c, 5));
        trace.clear();

        final Entry frontSpan = frontLog.await(e -> e.event().equals("span"), "the front's span");
        final Entry backSpan = backLog.await(e -> e.event().equals("span"), "the back's span");
        assertEquals(high, frontSpan.high());
        assertEquals(low, frontSpan.low());
        assertNull(frontSpan.fields().get("parentSpanId"), "the caller had no span: the front's is the root");
        assertEquals("echo", frontSpan.fields().get("handler"));
        assertEquals("ok", frontSpan.fields().get("outcome"));
        assertEquals(high, backSpan.high());
        assertEquals(low, backSpan.low());
        assertEquals(TraceContext.spanIdHex(frontSpan.span()), backSpan.fields().get("parentSpanId"),
            "the back's span is the child of the front's");
        assertNotEquals(frontSpan.span(), backSpan.span());
        assertTrue((double)frontSpan.fields().get("durationUs") >= (double)backSpan.fields().get("durationUs"),
            "the front's span holds the back's: " + frontSpan + " " + backSpan);

        assertEquals(List.of(new Seen(high, low, backSpan.span(), TraceContext.SAMPLED)), backSeen,
            "the back's handler ran in its span");
        final Entry relaying = frontLog.await(e -> e.event().equals("front.relaying"), "the front handler's line");
        assertEquals(high, relaying.high());
        assertEquals(low, relaying.low());
        assertEquals(frontSpan.span(), relaying.span(), "a handler's log line carries its span");
        final Entry opened = backLog.await(e -> e.event().equals("connection.opened"), "the back's connection");
        assertEquals(0, opened.high() | opened.low() | opened.span(),
            "connection lines carry no trace, though the front opened it inside its handler");

        // A call from outside any handler starts a new trace: the front's span is its root, the back's its child.
        TraceIds.sampleRate(1.0);
        assertEquals(6, echo(c, 6));
        final Entry rootSpan = frontLog.await(e -> e.event().equals("span") && e.low() != low, "the second span");
        assertNull(rootSpan.fields().get("parentSpanId"));
        assertTrue(rootSpan.high() != high || rootSpan.low() != low);
        final Entry childSpan = backLog.await(e -> e.event().equals("span") && e.low() == rootSpan.low(),
            "the second call's back span");
        assertEquals(rootSpan.high(), childSpan.high());
        assertEquals(TraceContext.spanIdHex(rootSpan.span()), childSpan.fields().get("parentSpanId"));
        assertEquals(2, backSeen.size());
        assertEquals(rootSpan.low(), backSeen.get(1).low());
    }

    @Test
    void twoConcurrentCallersOutsideAnyHandlerGetDifferentTraceIds() throws Exception
    {
        final Path home = newDir("home");
        final Entries log = new Entries();
        final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
        serve("back", seeing(EchoCell.dispatcher(), seen), home, log, new TraceOptions(TraceMode.ALL, null));
        final int perThread = 200;
        final CyclicBarrier start = new CyclicBarrier(2);
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 2; t++)
        {
            threads.add(Thread.ofPlatform().start(() ->
            {
                try (CellConnection c = CellConnection.connect("back", fingerprint(), client(home)))
                {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread; i++)
                    {
                        assertEquals(i, echo(c, i));
                    }
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            }));
        }
        for (final Thread t : threads)
        {
            t.join(60_000);
        }
        assertEquals(List.of(), failures);
        final Set<String> ids = new HashSet<>();
        for (final Seen s : seen)
        {
            assertTrue((s.high() | s.low()) != 0);
            ids.add(TraceContext.traceIdHex(s.high(), s.low()));
        }
        assertEquals(2 * perThread, ids.size(), "every call its own 128-bit trace id");
        log.await(e -> log.count("span") == 2 * perThread, "a span per call ([observe] trace = all)");
        for (final Entry e : log.all())
        {
            if (e.event().equals("span"))
            {
                assertNull(e.fields().get("parentSpanId"), "roots: " + e);
            }
        }
    }

    @Test
    void anAsyncSpanLastsUntilItsReplyCompletesAndRecordsItsOutcome() throws Exception
    {
        final Path home = newDir("home");
        final Entries log = new Entries();
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        open.add(timer::shutdownNow);
        final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
        final List<Long> parents = Collections.synchronizedList(new ArrayList<>());
        final AsyncDispatcher later = new AsyncDispatcher()
        {
            @Override
            public boolean dispatchAsync(final DirectBuffer buffer, final int offset, final int length,
                final Envelope envelope, final Completion completion)
            {
                final TraceContext t = TraceContext.current();
                seen.add(new Seen(t.traceIdHigh(), t.traceIdLow(), t.spanId(), t.flags()));
                parents.add(envelope.parentSpanId());
                final long payload = buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
                timer.schedule(() ->
                {
                    if (payload == 0)
                    {
                        completion.fail(false, "told to fail");
                    }
                    else
                    {
                        final UnsafeBuffer reply = new UnsafeBuffer(new byte[16]);
                        reply.putShort(0, (short)8, ByteOrder.LITTLE_ENDIAN);
                        reply.putShort(2, (short)EchoCell.ECHO_REPLY, ByteOrder.LITTLE_ENDIAN);
                        reply.putShort(4, (short)EchoCell.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
                        reply.putLong(8, payload, ByteOrder.LITTLE_ENDIAN);
                        completion.reply(reply, 0, 16, false);
                    }
                }, 30, TimeUnit.MILLISECONDS);
                return true;
            }

            @Override
            public int dispatch(final DirectBuffer buffer, final int offset, final int length,
                final MutableDirectBuffer out, final int outOffset)
            {
                throw new IllegalStateException("only asynchronously");
            }
        };
        serve("later", later, home, log, new TraceOptions(TraceMode.ALL, null));
        final CellConnection c = connect("later", home);
        final TraceContext trace = TraceContext.current().startTrace(true);
        assertEquals(9, echo(c, 9));
        assertThrows(CellException.class, () -> echo(c, 0));
        trace.clear();

        final Entry ok = log.await(e -> e.event().equals("span") && "ok".equals(e.fields().get("outcome")), "ok");
        final Entry failed = log.await(e -> e.event().equals("span") && "failed".equals(e.fields().get("outcome")),
            "the failed span");
        assertTrue((double)ok.fields().get("durationUs") >= 30_000, "ends when completed 30 ms later: " + ok);
        assertEquals(seen.get(0).high(), ok.high());
        assertEquals(seen.get(0).low(), ok.low());
        assertEquals(seen.get(0).span(), ok.span(), "dispatchAsync ran in the span it records");
        assertEquals(seen.get(1).span(), failed.span());
        assertEquals(ok.low(), failed.low(), "both calls in the test's trace");
        assertEquals(List.of(0L, 0L), parents, "the envelope holds the caller's (no) span");
    }

    @Test
    void aFailingHandlersWarningCarriesItsSpanAndModeOffRecordsNoSpans() throws Exception
    {
        final Path home = newDir("home");
        final Entries sampledLog = new Entries();
        final Entries offLog = new Entries();
        serve("boom", EchoCell.dispatcher(), home, sampledLog, TraceOptions.DEFAULT);
        final CellServer off = serve("quiet", EchoCell.dispatcher(), home, offLog,
            new TraceOptions(TraceMode.OFF, null));
        final CellConnection boom = connect("boom", home);
        final CellConnection quiet = connect("quiet", home);
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        final int len = EchoCell.request(req, EchoCell.BOOM, 0);
        final TraceContext trace = TraceContext.current().startTrace(true);
        assertThrows(CellException.HandlerFailed.class, () -> boom.call(req, 0, len, new Reply()));
        assertThrows(CellException.HandlerFailed.class, () -> quiet.call(req, 0, len, new Reply()));
        trace.clear();

        final Entry span = sampledLog.await(e -> e.event().equals("span"), "the failed span");
        assertEquals("failed", span.fields().get("outcome"));
        final Entry warning = sampledLog.await(e -> e.event().equals("handler.failed"), "the warning");
        assertEquals(span.high(), warning.high());
        assertEquals(span.low(), warning.low());
        assertEquals(span.span(), warning.span());

        final Entry quietWarning = offLog.await(e -> e.event().equals("handler.failed"), "the warning");
        assertEquals(span.low(), quietWarning.low(), "the trace id travels with [observe] trace = off too");
        assertNotEquals(0, quietWarning.span());
        off.close();
        assertEquals(0, offLog.count("span"), "no span records with trace = off: " + offLog.all());
    }

    private CellServer serve(
        final String name, final Dispatcher dispatcher, final Path home, final CellLog log, final TraceOptions trace)
        throws Exception
    {
        final CellServer server = CellServer.start(name, EchoCell.genome(), dispatcher, null, newDir(name),
            ServerOptions.defaults().withCellHome(home).withLog(log).withTrace(trace)
                .withInstanceId(name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
        open.add(server);
        return server;
    }

    private CellConnection connect(final String name, final Path home)
    {
        final CellConnection c = CellConnection.connect(name, fingerprint(), client(home));
        open.add(c);
        return c;
    }

    private static long echo(final CellConnection c, final long value)
    {
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        final int len = EchoCell.request(req, EchoCell.ECHO, value);
        final Reply reply = new Reply();
        c.call(req, 0, len, reply);
        return reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN);
    }

    private static Dispatcher seeing(final Dispatcher inner, final List<Seen> seen)
    {
        return (buffer, offset, length, out, outOffset) ->
        {
            final TraceContext t = TraceContext.current();
            seen.add(new Seen(t.traceIdHigh(), t.traceIdLow(), t.spanId(), t.flags()));
            return inner.dispatch(buffer, offset, length, out, outOffset);
        };
    }

    /**
     * What a handler saw of its serving thread's trace context.
     */
    record Seen(long high, long low, long span, int flags)
    {
    }

    /**
     * A cell whose handler logs a line and relays the request to the cell "back", from its serving thread.
     */
    private static final class Front implements Dispatcher, AutoCloseable
    {
        private final Path home;
        private final CellLog log;
        private final Reply reply = new Reply();
        private CellConnection back;

        Front(final Path home, final CellLog log)
        {
            this.home = home;
            this.log = log;
        }

        @Override
        public int dispatch(final DirectBuffer buffer, final int offset, final int length,
            final MutableDirectBuffer out, final int outOffset)
        {
            log.info("front.relaying", "bytes", length);
            if (back == null)
            {
                back = CellConnection.connect("back", fingerprint(), client(home));
            }
            back.call(buffer, offset, length, reply);
            out.putBytes(outOffset, reply.buffer(), 0, reply.length());
            return reply.isError() ? -reply.length() : reply.length();
        }

        @Override
        public void close()
        {
            if (back != null)
            {
                back.close();
            }
        }
    }

    /**
     * One log line as the log was given it.
     */
    record Entry(CellLog.Level level, String event, long high, long low, long span, Map<String, Object> fields)
    {
    }

    /**
     * A log that keeps its lines.
     */
    static final class Entries implements CellLog
    {
        private final List<Entry> entries = new ArrayList<>();

        @Override
        public synchronized void log(final Level level, final String event, final long traceIdHigh,
            final long traceIdLow, final long spanId, final Object... fields)
        {
            final Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i + 1 < fields.length; i += 2)
            {
                map.put(String.valueOf(fields[i]), fields[i + 1]);
            }
            entries.add(new Entry(level, event, traceIdHigh, traceIdLow, spanId, map));
        }

        synchronized List<Entry> all()
        {
            return List.copyOf(entries);
        }

        synchronized long count(final String event)
        {
            return entries.stream().filter(e -> e.event().equals(event)).count();
        }

        Entry await(final Predicate<Entry> wanted, final String what)
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true)
            {
                for (final Entry e : all())
                {
                    if (wanted.test(e))
                    {
                        return e;
                    }
                }
                if (System.nanoTime() > deadline)
                {
                    throw new AssertionError("timed out waiting for " + what + " in " + all());
                }
                LockSupport.parkNanos(1_000_000L);
            }
        }
    }
}
