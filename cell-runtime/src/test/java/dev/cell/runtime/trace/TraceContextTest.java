package dev.cell.runtime.trace;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceContextTest
{
    private static final String W3C_EXAMPLE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void traceparentRoundTripsTheW3cExample()
    {
        final TraceContext trace = TraceContext.current();
        try
        {
            assertTrue(trace.continueFrom(W3C_EXAMPLE));
            assertEquals(0x4bf92f3577b34da6L, trace.traceIdHigh());
            assertEquals(0xa3ce929d0e0e4736L, trace.traceIdLow());
            assertEquals(0x00f067aa0ba902b7L, trace.spanId());
            assertTrue(trace.sampled());
            assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", trace.traceIdHex());
            assertEquals(W3C_EXAMPLE, trace.traceparent());
        }
        finally
        {
            trace.clear();
        }
        assertFalse(trace.isActive());
        assertNull(trace.traceparent());
        assertNull(trace.traceIdHex());
    }

    @Test
    void invalidTraceparentsChangeNothing()
    {
        final TraceContext trace = TraceContext.current();
        for (final String bad : new String[]{
            null, "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01"})
        {
            assertFalse(trace.continueFrom(bad), String.valueOf(bad));
            assertFalse(trace.isActive(), String.valueOf(bad));
        }
        assertTrue(trace.continueFrom("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future"),
            "a later version may carry more fields");
        assertFalse(trace.sampled());
        trace.clear();
    }

    @Test
    void startTraceGivesANewRootWithoutASpan()
    {
        final TraceContext trace = TraceContext.current().startTrace(true);
        try
        {
            assertTrue(trace.isActive());
            assertTrue(trace.sampled());
            assertEquals(0, trace.spanId());
            final String first = trace.traceIdHex();
            assertTrue(first.matches("[0-9a-f]{32}"), first);
            assertFalse(first.equals(trace.startTrace(false).traceIdHex()));
            assertFalse(trace.sampled());
        }
        finally
        {
            trace.clear();
        }
    }

    @Test
    void eachThreadHasItsOwnAndAServingThreadCarriesItInAField() throws Exception
    {
        final TraceContext mine = TraceContext.current();
        assertSame(mine, TraceContext.current());
        final AtomicReference<TraceContext> seen = new AtomicReference<>();
        final AtomicReference<TraceContext> again = new AtomicReference<>();
        final Thread serving = TraceContext.newServingThread(() ->
        {
            seen.set(TraceContext.current());
            again.set(TraceContext.current());
        });
        assertFalse(serving.isDaemon());
        serving.start();
        serving.join(10_000);
        assertNotSame(mine, seen.get());
        assertSame(seen.get(), again.get());
        mine.set(1, 2, 3, 0);
        assertFalse(seen.get().isActive(), "setting one thread's context leaves the others");
        mine.clear();
    }
}
