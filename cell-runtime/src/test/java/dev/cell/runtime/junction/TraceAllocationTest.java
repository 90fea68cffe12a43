package dev.cell.runtime.junction;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.trace.TraceContext;
import dev.cell.runtime.trace.TraceMode;
import dev.cell.runtime.trace.TraceOptions;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.fingerprint;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing costs no allocation on the call path: calls over a junction with every span recorded, measured on the
 * calling thread and on the instance's serving thread.
 */
class TraceAllocationTest
{
    @Test
    void callsWithTracingOnAllocateNothingOnEitherSide() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final Path home = newDir("home");
        final String instance = "echo-alloc-" + ProcessHandle.current().pid();
        try (CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null,
            newDir("cell"), ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO)
                .withLog((level, event, high, low, span, fields) -> { }).withInstanceId(instance)
                .withTrace(new TraceOptions(TraceMode.ALL, null)));
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final Thread serving = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("cell-" + instance)).findFirst().orElseThrow();
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            final TraceContext trace = TraceContext.current();
            for (int i = 0; i < 20_000; i++)
            {
                call(c, req, reply, trace, i);
            }
            final long clientBefore = threads.getCurrentThreadAllocatedBytes();
            final long serverBefore = threads.getThreadAllocatedBytes(serving.threadId());
            final int n = 20_000;
            for (int i = 0; i < n; i++)
            {
                call(c, req, reply, trace, i);
            }
            final long clientBytes = threads.getCurrentThreadAllocatedBytes() - clientBefore;
            final long serverBytes = threads.getThreadAllocatedBytes(serving.threadId()) - serverBefore;
            System.out.printf("%d traced calls (every span recorded): client thread %d B, serving thread %d B%n", n,
                clientBytes, serverBytes);
            assertEquals(20_000L + n, server.calls());
            // One allocation per call would be 20,000 objects (over 300 KB).
            assertTrue(clientBytes < 64 * 1024, "client allocated " + clientBytes + " B in " + n + " calls");
            assertTrue(serverBytes < 64 * 1024, "serving thread allocated " + serverBytes + " B in " + n + " calls");
        }
    }

    private static void call(final CellConnection c, final ExpandableArrayBuffer req, final Reply reply,
        final TraceContext trace, final int i)
    {
        // Half the calls in an explicit sampled trace, half starting their own: both paths of the sender.
        if ((i & 1) == 0)
        {
            trace.set(0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L + i, 0x00f067aa0ba902b7L, TraceContext.SAMPLED);
        }
        c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
        trace.clear();
    }
}
