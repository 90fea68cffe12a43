package dev.cell.systemtest;

import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Traces through {@code examples/shop} run by {@code cell mitosis}: one call through the storefront is one trace in
 * the logs of every cell it touched (storefront → orders → catalog, ledger), each span the child of its caller's,
 * two concurrent calls are two traces, and {@code cell trace} prints the tree with durations.
 */
@Timeout(900)
class TraceSystemTest
{
    private static final Path SHOP = Path.of("../examples/shop").toAbsolutePath().normalize();
    private static final String BUY = "{\"customer\":\"ada\",\"sku\":\"apple\",\"quantity\":2}";
    private static final Pattern TRACE = Pattern.compile("trace ([0-9a-f]{32})");
    private static final List<String> CELLS = List.of("storefront", "orders", "catalog", "ledger");

    private Path cellHome;

    @AfterEach
    void killEverything() throws IOException
    {
        if (cellHome != null)
        {
            SystemTestSupport.killInstances(cellHome);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aCallThroughTheShopIsOneTraceInEveryCellItTouchedAndCellTracePrintsItsTree() throws Exception
    {
        final Path root = SystemTestSupport.newDir("trace");
        cellHome = root.resolve("cell-home");
        final Path shop = SystemTestSupport.copyProject(SHOP, root.resolve("shop"));
        final long t0 = System.nanoTime();
        mustSucceed(cell(root, cellHome, 600, "mitosis", shop.toString(), "--detach", "--offline"), "cell mitosis");
        final long booted = System.nanoTime();

        final String traceId = traceOf(mustSucceed(cell(root, cellHome, 60, "call", "storefront", "buy", BUY,
            "--trace"), "buy").output());
        final CompletableFuture<SystemTestSupport.Result> first = CompletableFuture.supplyAsync(() -> call(root));
        final CompletableFuture<SystemTestSupport.Result> second = CompletableFuture.supplyAsync(() -> call(root));
        final String one = traceOf(mustSucceed(first.get(120, TimeUnit.SECONDS), "concurrent buy").output());
        final String two = traceOf(mustSucceed(second.get(120, TimeUnit.SECONDS), "concurrent buy").output());
        assertNotEquals(one, two, "two concurrent calls, two traces");
        assertNotEquals(traceId, one);

        // Every cell the call touched logged its span in the one trace: storefront.buy -> orders.place -> both.
        final Map<String, Map<String, Object>> spans = awaitSpans(shop, traceId);
        final Map<String, Object> front = spans.get("storefront");
        final Map<String, Object> orders = spans.get("orders");
        assertEquals("buy", fields(front).get("handler"));
        assertNull(fields(front).get("parentSpanId"), "cell call has no span: the storefront's is the root");
        assertEquals("place", fields(orders).get("handler"));
        assertEquals(front.get("spanId"), fields(orders).get("parentSpanId"), "orders is the storefront's child");
        assertEquals("price", fields(spans.get("catalog")).get("handler"));
        assertEquals(orders.get("spanId"), fields(spans.get("catalog")).get("parentSpanId"));
        assertEquals("post", fields(spans.get("ledger")).get("handler"));
        assertEquals(orders.get("spanId"), fields(spans.get("ledger")).get("parentSpanId"));
        for (final Map<String, Object> s : spans.values())
        {
            assertEquals("ok", fields(s).get("outcome"), s.toString());
        }
        for (final String other : List.of(one, two))
        {
            assertEquals(CELLS.stream().sorted().toList(), awaitSpans(shop, other).keySet().stream().sorted()
                .toList(), "the concurrent call " + other + " reached every cell in its own trace");
        }

        final String tree = mustSucceed(cell(root, cellHome, 60, "trace", traceId, shop.toString()), "cell trace")
            .output();
        final String ms = "\\d+\\.\\d{3} ms";
        final List<String> lines = tree.lines().toList();
        assertTrue(lines.getFirst().matches("trace " + traceId + ": 4 spans in 4 cells, " + ms), tree);
        assertTrue(lines.get(1).matches("storefront\\.buy  storefront-\\d+  " + ms + "  ok"), tree);
        assertTrue(lines.get(2).matches("└─ orders\\.place  orders-\\d+  " + ms + "  ok"), tree);
        assertTrue(lines.get(3).matches("   ├─ catalog\\.price  catalog-\\d+  " + ms + "  ok"), tree);
        assertTrue(lines.get(4).matches("   └─ ledger\\.post  ledger-\\d+  " + ms + "  ok"), tree);
        System.out.printf("shop booted in %.1f s; trace checks took %.1f s more%n%s", (booted - t0) / 1e9,
            (System.nanoTime() - booted) / 1e9, tree);

        mustSucceed(cell(root, cellHome, 120, "stop", shop.toString()), "cell stop");
    }

    private SystemTestSupport.Result call(final Path root)
    {
        try
        {
            return cell(root, cellHome, 60, "call", "storefront", "buy", BUY, "--trace");
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private static String traceOf(final String output)
    {
        assertTrue(output.contains("\"total\":100"), output);
        final Matcher m = TRACE.matcher(output);
        assertTrue(m.find(), "cell call --trace prints the id: " + output);
        return m.group(1);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(final Map<String, Object> line)
    {
        return (Map<String, Object>)line.get("fields");
    }

    /**
     * Wait (up to 30 s: spans are written off the serving thread) until each shop cell's logs hold a span of the
     * trace; check that every line of the trace in those logs is one of these spans.
     *
     * @return cell → its span line.
     */
    private static Map<String, Map<String, Object>> awaitSpans(final Path shop, final String traceId)
        throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final Map<String, Map<String, Object>> spans = new HashMap<>();
            final List<Map<String, Object>> others = new ArrayList<>();
            for (final String cell : CELLS)
            {
                for (final Map<String, Object> line : linesOf(shop.resolve(cell), traceId))
                {
                    if ("span".equals(line.get("event")))
                    {
                        assertNull(spans.put(cell, line), "one span per cell for one call: " + line);
                        assertEquals(cell, line.get("cell"));
                    }
                    else
                    {
                        others.add(line);
                    }
                }
            }
            assertEquals(List.of(), others, "the shop's handlers write no lines of their own");
            if (spans.size() == CELLS.size())
            {
                return spans;
            }
            if (System.nanoTime() > deadline)
            {
                fail("spans of trace " + traceId + " after 30 s: " + spans);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    private static List<Map<String, Object>> linesOf(final Path cellDir, final String traceId) throws IOException
    {
        final List<Map<String, Object>> lines = new ArrayList<>();
        final Path logDir = cellDir.resolve(".cell/log");
        if (!Files.isDirectory(logDir))
        {
            return lines;
        }
        try (Stream<Path> files = Files.list(logDir))
        {
            for (final Path f : files.filter(p -> p.toString().endsWith(".log")).toList())
            {
                for (final String text : Files.readAllLines(f))
                {
                    if (text.contains(traceId) && text.endsWith("}"))
                    {
                        final Map<String, Object> line = Json.parseObject(text);
                        if (traceId.equals(line.get("traceId")))
                        {
                            lines.add(line);
                        }
                    }
                }
            }
        }
        return lines;
    }
}
