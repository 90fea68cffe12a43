package dev.cell.runtime.junction;

import com.sun.net.httpserver.HttpServer;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.trace.TraceContext;
import dev.cell.runtime.trace.TraceMode;
import dev.cell.runtime.trace.TraceOptions;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.fingerprint;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OTLP/HTTP JSON export against a collector stand-in on loopback: what an instance posts for its spans.
 */
class OtlpExportTest
{
    record Post(String method, String path, String contentType, String body)
    {
    }

    @Test
    @SuppressWarnings("unchecked")
    void spansArePostedAsAnExportTraceServiceRequest() throws Exception
    {
        final BlockingQueue<Post> posts = new LinkedBlockingQueue<>();
        final HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange ->
        {
            final String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            posts.add(new Post(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Content-Type"), body));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        final Path home = newDir("home");
        final TestSupport.MemoryLog log = new TestSupport.MemoryLog();
        final URI endpoint = URI.create("http://127.0.0.1:" + collector.getAddress().getPort());
        final CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null,
            newDir("cell"), ServerOptions.defaults().withCellHome(home).withLog(log)
                .withTrace(new TraceOptions(TraceMode.SAMPLED, endpoint))
                .withInstanceId("echo-otlp-" + ProcessHandle.current().pid()));
        final TraceContext trace = TraceContext.current();
        final String traceId;
        try
        {
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                trace.continueFrom("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
                traceId = trace.traceIdHex();
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 1), new Reply());
                c.call(req, 0, EchoCell.request(req, EchoCell.FAIL, 0), new Reply());
                trace.set(trace.traceIdHigh(), trace.traceIdLow(), trace.spanId(), 0);
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 2), new Reply()); // not sampled: not exported
                trace.clear();
            }
        }
        finally
        {
            server.close(); // sends what is batched
            collector.stop(0);
        }
        final List<Map<String, Object>> spans = new ArrayList<>();
        Map<String, Object> resource = null;
        Post post;
        while ((post = posts.poll(spans.isEmpty() ? 10 : 0, TimeUnit.SECONDS)) != null)
        {
            assertEquals("POST", post.method());
            assertEquals("/v1/traces", post.path());
            assertEquals("application/json", post.contentType());
            final Map<String, Object> request = Json.parseObject(post.body());
            final Map<String, Object> rs = (Map<String, Object>)((List<Object>)request.get("resourceSpans")).getFirst();
            resource = (Map<String, Object>)rs.get("resource");
            final Map<String, Object> scope = (Map<String, Object>)((List<Object>)rs.get("scopeSpans")).getFirst();
            for (final Object s : (List<Object>)scope.get("spans"))
            {
                spans.add((Map<String, Object>)s);
            }
        }
        assertNotNull(resource, "the collector got nothing; log: " + log.lines);
        final Map<String, String> resourceAttributes = attributes(resource);
        assertEquals("echo", resourceAttributes.get("service.name"));
        assertEquals("echo-otlp-" + ProcessHandle.current().pid(), resourceAttributes.get("service.instance.id"));
        assertEquals(2, spans.size(), "the two sampled calls: " + spans);
        final Map<String, Object> ok = spans.get(0);
        assertEquals(traceId, ok.get("traceId"));
        assertEquals("00f067aa0ba902b7", ok.get("parentSpanId"));
        assertTrue(String.valueOf(ok.get("spanId")).matches("[0-9a-f]{16}"), ok.toString());
        assertEquals("echo/echo", ok.get("name"));
        assertEquals(2L, ok.get("kind"), "SPAN_KIND_SERVER");
        final long start = Long.parseLong((String)ok.get("startTimeUnixNano"));
        final long end = Long.parseLong((String)ok.get("endTimeUnixNano"));
        assertTrue(end >= start && Math.abs(start / 1_000_000 - System.currentTimeMillis()) < 600_000, ok.toString());
        final Map<String, String> okAttributes = attributes(ok);
        assertEquals("cell", okAttributes.get("rpc.system"));
        assertEquals("echo", okAttributes.get("rpc.method"));
        assertEquals("ok", okAttributes.get("cell.outcome"));
        assertFalse(ok.containsKey("status"), "unset on success");
        final Map<String, Object> declared = spans.get(1);
        assertEquals("fail", attributes(declared).get("rpc.method"));
        assertEquals(2L, ((Map<String, Object>)declared.get("status")).get("code"), "STATUS_CODE_ERROR");
        assertEquals("error", attributes(declared).get("cell.outcome"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> attributes(final Map<String, Object> owner)
    {
        final Map<String, String> out = new java.util.HashMap<>();
        for (final Object a : (List<Object>)owner.get("attributes"))
        {
            final Map<String, Object> attribute = (Map<String, Object>)a;
            out.put((String)attribute.get("key"),
                (String)((Map<String, Object>)attribute.get("value")).get("stringValue"));
        }
        return out;
    }
}
