package dev.cell.tissue.launch;

import dev.cell.runtime.log.CellLog.Level;
import dev.cell.runtime.log.JsonLinesLog;
import dev.cell.tissue.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell trace}'s tree from log lines as instances write them: golden output, ids by prefix, and what it says
 * about traces it cannot show.
 */
class TraceTreeTest
{
    private static final long HIGH = 0x4bf92f3577b34da6L;
    private static final long LOW = 0xa3ce929d0e0e4736L;
    private static final long OTHER_LOW = 0x1111111111111111L;
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05.000Z");

    @TempDir
    Path dir;

    @Test
    void rebuildsTheCallTreeFromTheLogsOfEveryCell() throws IOException
    {
        final List<Path> dirs = shop();
        final TraceTree tree = TraceTree.read("4bf92f3577b34da6a", TraceTree.logFiles(dirs));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", tree.traceId());
        assertEquals(4, tree.spanCount());
        assertEquals("""
            trace 4bf92f3577b34da6a3ce929d0e0e4736: 4 spans in 4 cells, 2.410 ms
            storefront.buy  storefront-1  2.410 ms  ok
            └─ orders.place  orders-2  1.903 ms  error
               ├─ catalog.price  catalog-3  0.212 ms  ok
               └─ ledger.post  ledger-4  0.188 ms  ok
            1 more log line(s) of this trace: --logs shows them
            """, tree.render(false));
        assertEquals("""
            trace 4bf92f3577b34da6a3ce929d0e0e4736: 4 spans in 4 cells, 2.410 ms
            storefront.buy  storefront-1  2.410 ms  ok
            └─ orders.place  orders-2  1.903 ms  error
               │  · 03:04:05.001 orders-2 INFO order.priced sku=apple cents=50
               ├─ catalog.price  catalog-3  0.212 ms  ok
               └─ ledger.post  ledger-4  0.188 ms  ok
            """, tree.render(true));
    }

    @Test
    void aSpanWhoseCallerIsElsewhereIsARootAndSaysSo() throws IOException
    {
        final Path orders = dir.resolve("orders");
        write(orders, "orders-2", span("orders", "orders-2", "place", 0x2, 0x9, 0, 1_903.0, "ok"));
        final TraceTree tree = TraceTree.read("4bf92f3577b34da6a3ce929d0e0e4736", TraceTree.logFiles(List.of(orders)));
        assertEquals("""
            trace 4bf92f3577b34da6a3ce929d0e0e4736: 1 span in 1 cell, 1.903 ms
            orders.place  orders-2  1.903 ms  ok  (parent 0000000000000009 not in these logs)
            """, tree.render(false));
    }

    @Test
    void spansWhoseParentsFormACycleAreShownNotDropped() throws IOException
    {
        final Path orders = dir.resolve("orders");
        write(orders, "orders-3", span("orders", "orders-3", "place", 0x2, 0x3, 0, 10.0, "ok"),
            span("orders", "orders-3", "check", 0x3, 0x2, 5, 4.0, "ok"));
        final TraceTree tree = TraceTree.read("4bf92f3577b34da6a3ce929d0e0e4736", TraceTree.logFiles(List.of(orders)));
        assertEquals(2, tree.spanCount(), tree.render(false));
    }

    @Test
    void aTraceWithoutSpanRecordsShowsItsLines() throws IOException
    {
        final Path orders = dir.resolve("orders");
        write(orders, "orders-2", JsonLinesLog.format(T0, Level.WARN, "orders", "orders-2", "handler.failed", HIGH,
            LOW, 0x2, "error", "java.lang.IllegalStateException"));
        assertEquals("""
            trace 4bf92f3577b34da6a3ce929d0e0e4736: no span records (the trace was not sampled, or its cells run \
            with [observe] trace = "off"); 1 log line(s)
            03:04:05.000 orders-2 WARN handler.failed error=java.lang.IllegalStateException
            """, TraceTree.read("4bf92f35", TraceTree.logFiles(List.of(orders))).render(false));
    }

    @Test
    void unknownAmbiguousAndMalformedIdsAreUserErrors() throws IOException
    {
        final List<Path> files = TraceTree.logFiles(shop());
        assertTrue(assertThrows(UserError.class, () -> TraceTree.read("deadbeef", files)).getMessage()
            .contains("no line of trace deadbeef"));
        final UserError ambiguous = assertThrows(UserError.class, () -> TraceTree.read("4bf92f3577b34da6", files));
        assertTrue(ambiguous.getMessage().contains("is the start of 2 trace ids"), ambiguous.getMessage());
        assertTrue(assertThrows(UserError.class, () -> TraceTree.read("not-hex!", files)).getMessage()
            .contains("is not a trace id"));
        assertTrue(assertThrows(UserError.class, () -> TraceTree.read("4bf9", files)).getMessage()
            .contains("at least the first 8"));
    }

    /**
     * The shop's four cells, one call: storefront.buy → orders.place → (catalog.price, ledger.post), plus an
     * unrelated trace sharing the first 16 digits.
     */
    private List<Path> shop() throws IOException
    {
        final Path front = dir.resolve("storefront");
        final Path orders = dir.resolve("orders");
        final Path catalog = dir.resolve("catalog");
        final Path ledger = dir.resolve("ledger");
        write(front, "storefront-1", JsonLinesLog.format(T0, Level.INFO, "storefront", "storefront-1",
            "connection.opened", 0, 0, 0, "client", "x"), span("storefront", "storefront-1", "buy", 0x1, 0, 0,
            2_410.0, "ok"));
        write(orders, "orders-2", JsonLinesLog.format(T0.plusMillis(1), Level.INFO, "orders", "orders-2",
            "order.priced", HIGH, LOW, 0x2, "sku", "apple", "cents", 50),
            span("orders", "orders-2", "place", 0x2, 0x1, 100, 1_903.0, "error"),
            JsonLinesLog.format(T0, Level.INFO, "orders", "orders-2", "span", HIGH, OTHER_LOW, 0x7, "handler",
                "place", "parentSpanId", null, "start", T0.toString(), "durationUs", 5.0, "outcome", "ok"));
        // The ledger started after the catalog: children in start order, whatever the file order.
        write(ledger, "ledger-4", span("ledger", "ledger-4", "post", 0x4, 0x2, 900, 188.0, "ok"));
        write(catalog, "catalog-3", span("catalog", "catalog-3", "price", 0x3, 0x2, 200, 212.0, "ok"));
        return List.of(front, orders, catalog, ledger);
    }

    private static String span(final String cell, final String instance, final String handler, final long spanId,
        final long parent, final long startUs, final double durationUs, final String outcome)
    {
        return JsonLinesLog.format(T0.plusMillis(3), Level.INFO, cell, instance, "span", HIGH, LOW, spanId,
            "handler", handler, "parentSpanId", parent == 0 ? null : String.format("%016x", parent),
            "start", T0.plusNanos(startUs * 1_000).toString(), "durationUs", durationUs, "outcome", outcome);
    }

    private static void write(final Path cellDir, final String instance, final String... lines) throws IOException
    {
        final Path file = JsonLinesLog.logFile(cellDir, instance);
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n", lines) + "\n");
    }
}
