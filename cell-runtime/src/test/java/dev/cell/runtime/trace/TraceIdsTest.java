package dev.cell.runtime.trace;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceIdsTest
{
    @AfterEach
    void defaultRate()
    {
        TraceIds.sampleRate(TraceIds.DEFAULT_SAMPLE_RATE);
    }

    @Test
    void concurrentThreadsNeverGetTheSameTraceId() throws Exception
    {
        final int threads = 4;
        final int perThread = 50_000;
        final Set<String> ids = ConcurrentHashMap.newKeySet();
        final CyclicBarrier start = new CyclicBarrier(threads);
        final List<Thread> running = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++)
        {
            running.add(Thread.ofPlatform().start(() ->
            {
                try
                {
                    start.await();
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
                for (int i = 0; i < perThread; i++)
                {
                    final long seed = TraceIds.nextSeed();
                    final long high = TraceIds.high(seed);
                    final long low = TraceIds.low(seed);
                    assertTrue((high | low) != 0);
                    ids.add(TraceContext.traceIdHex(high, low));
                }
            }));
        }
        for (final Thread t : running)
        {
            t.join(30_000);
        }
        assertEquals(threads * perThread, ids.size(), "every id distinct");
    }

    @Test
    void halvesLookRandom()
    {
        // Consecutive seeds differ by a constant; the mix must not leave that visible in either half.
        int highBits = 0;
        int lowBits = 0;
        final int n = 10_000;
        for (int i = 0; i < n; i++)
        {
            final long seed = TraceIds.nextSeed();
            highBits += Long.bitCount(TraceIds.high(seed));
            lowBits += Long.bitCount(TraceIds.low(seed));
        }
        assertEquals(32.0, highBits / (double)n, 0.5);
        assertEquals(32.0, lowBits / (double)n, 0.5);
    }

    @Test
    void spanIdsAreDistinctAndNeverZero()
    {
        final TraceIds.SpanIds a = new TraceIds.SpanIds();
        final TraceIds.SpanIds b = new TraceIds.SpanIds();
        final Set<Long> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++)
        {
            final long x = a.next();
            final long y = b.next();
            assertNotEquals(0, x);
            assertTrue(seen.add(x));
            assertTrue(seen.add(y), "two generators with random starts do not meet");
        }
    }

    @Test
    void sampleRateDecidesTheShareOfSampledRoots()
    {
        assertEquals(0, share(0.0));
        assertEquals(1.0, share(1.0));
        assertEquals(0.25, share(0.25), 0.02);
        assertEquals(0.01, share(0.01), 0.005);
        assertThrows(IllegalArgumentException.class, () -> TraceIds.sampleRate(1.5));
        assertThrows(IllegalArgumentException.class, () -> TraceIds.parseRate("lots"));
        assertThrows(IllegalArgumentException.class, () -> TraceIds.parseRate("-0.1"));
        assertEquals(0.5, TraceIds.parseRate(" 0.5 "));
    }

    @Test
    void takingIdsAndSettingContextsAllocatesNothing()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final TraceIds.SpanIds spans = new TraceIds.SpanIds();
        final SpanRecorder recorder = new SpanRecorder("unstarted", (l, e, h, lo, s, f) -> { }, 1024, List.of());
        long sink = 0;
        for (int i = 0; i < 20_000; i++)
        {
            sink += round(spans, recorder);
        }
        final long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++)
        {
            sink += round(spans, recorder);
        }
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertNotEquals(0, sink);
        // One allocation per round would be 100,000 objects; the bean itself takes a few bytes.
        assertTrue(allocated < 4 * 1024, "100,000 rounds allocated " + allocated + " bytes");
    }

    private static long round(final TraceIds.SpanIds spans, final SpanRecorder recorder)
    {
        final TraceContext trace = TraceContext.current();
        final long seed = TraceIds.nextSeed();
        final long low = TraceIds.low(seed);
        trace.set(TraceIds.high(seed), low, spans.next(), TraceIds.rootFlags(low));
        // Full after the first 1024: then it counts drops, the path a busy instance takes.
        recorder.record(trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(), 0, "h", 1, 2, SpanRecorder.OK);
        final long id = trace.spanId();
        trace.clear();
        return id;
    }

    private static double share(final double rate)
    {
        TraceIds.sampleRate(rate);
        final int n = 20_000;
        int sampled = 0;
        for (int i = 0; i < n; i++)
        {
            sampled += TraceIds.rootFlags(TraceIds.low(TraceIds.nextSeed())) & TraceContext.SAMPLED;
        }
        return sampled / (double)n;
    }
}
