package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell bench} against the trading example's exchange (which spins), started with {@code cell mitosis}: a
 * copy of {@code examples/trading/exchange} built as a stand-alone project, as a user's would be. The client is
 * {@code eco} and the runs are short, so that on a 2-core machine at most one thread besides the exchange is busy.
 */
@Timeout(600)
class BenchSystemTest
{
    private static final Path EXCHANGE = Path.of("../examples/trading/exchange").toAbsolutePath().normalize();
    private static final Path KV = Path.of("../examples/kv").toAbsolutePath().normalize();
    private static final String IOC_ORDER = "{\"symbol\":\"ACME\",\"side\":\"BUY\",\"price\":100,\"quantity\":1," +
        "\"timeInForce\":\"IOC\",\"clientTag\":\"bench\"}";

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
    void shouldBenchThePlaceOrderHandlerOfTheTradingExchange() throws Exception
    {
        final Path root = SystemTestSupport.newDir("bench");
        cellHome = root.resolve("cell-home");
        final Path exchange = copyExchange(root.resolve("exchange"));

        mustSucceed(cell(root, cellHome, 300, "mitosis", exchange.toString(), "--detach", "--offline"),
            "cell mitosis");
        assertEquals(1, SystemTestSupport.registeredPids(cellHome).size(), "one exchange instance registered");

        // Back to back: an immediate-or-cancel order against an empty book, so every call does the same work.
        final SystemTestSupport.Result backToBack = mustSucceed(cell(root, cellHome, 120,
            "bench", "exchange", "placeOrder", IOC_ORDER, "--duration", "2s", "--warmup", "500ms", "--latency", "eco"),
            "cell bench back to back");
        final String out = backToBack.output();
        assertTrue(out.contains("exchange.placeOrder: back-to-back, 1 connection"), out);
        assertTrue(out.contains("idle profile: client eco, instance spin"), out);
        assertTrue(count(out, "calls") > 0, out);
        assertTrue(out.contains("declared errors: 0 of"), out);
        assertTrue(out.contains("p99.99") && out.contains("max"), out);

        // Fixed rate over two connections, with the histogram and the chart written out.
        final Path hgrm = root.resolve("out/place.hgrm");
        final Path svg = root.resolve("out/place.svg");
        final SystemTestSupport.Result fixed = mustSucceed(cell(root, cellHome, 120,
            "bench", "exchange", "placeOrder", IOC_ORDER, "--rate", "2000", "--connections", "2",
            "--duration", "2s", "--warmup", "500ms", "--hgrm", hgrm.toString(), "--chart", svg.toString()),
            "cell bench fixed rate");
        assertTrue(fixed.output().contains("fixed-rate 2000/s, 2 connections"), fixed.output());
        final long calls = count(fixed.output(), "calls");
        assertTrue(calls >= 3_900 && calls <= 4_100, fixed.output());
        assertTrue(Files.readString(hgrm).contains("#[Max"), "histogram written");
        assertTrue(Files.readString(svg).contains("<polyline"), "chart written");

        // A declared error is a completed call, counted as an error.
        final SystemTestSupport.Result errors = mustSucceed(cell(root, cellHome, 120,
            "bench", "exchange", "placeOrder", IOC_ORDER.replace("ACME", "NOPE"), "--rate", "1000",
            "--duration", "1s", "--warmup", "200ms", "--json"), "cell bench with errors");
        final Matcher made = Pattern.compile("\"errors\":(\\d+),\"callsMade\":(\\d+)").matcher(errors.output());
        assertTrue(made.find(), errors.output());
        assertTrue(Long.parseLong(made.group(1)) > 0, errors.output());
        assertEquals(made.group(2), made.group(1), errors.output());
    }

    @Test
    void shouldBenchCommandsAndQueriesOfTheReplicatedKeyValueCell() throws Exception
    {
        final Path root = SystemTestSupport.newDir("bench-kv");
        cellHome = root.resolve("cell-home");
        final Path kv = SystemTestSupport.copyCell(KV, root.resolve("kv"), "kv",
            "<dependency><groupId>dev.cell</groupId><artifactId>cell-raft</artifactId><version>" +
            SystemTestSupport.CELL_VERSION + "</version></dependency>");

        mustSucceed(cell(root, cellHome, 300, "mitosis", kv.toString(), "--detach", "--offline"), "cell mitosis kv");
        assertEquals(3, SystemTestSupport.registeredPids(cellHome).size(), "three kv replicas registered");

        // Commands through the Raft log at a fixed rate a 2-core machine keeps, coordinated omission corrected.
        final SystemTestSupport.Result puts = mustSucceed(cell(root, cellHome, 120,
            "bench", "kv", "put", "{\"key\":\"bench\",\"value\":\"eA==\"}", "--rate", "50",
            "--duration", "2s", "--warmup", "500ms", "--json"), "cell bench kv put");
        final Matcher made = Pattern.compile("\"errors\":(\\d+),\"callsMade\":(\\d+)").matcher(puts.output());
        assertTrue(made.find(), puts.output());
        assertEquals("0", made.group(1), puts.output());
        assertTrue(Long.parseLong(made.group(2)) >= 100, puts.output());

        // Linearizable reads back to back.
        final SystemTestSupport.Result gets = mustSucceed(cell(root, cellHome, 120,
            "bench", "kv", "get", "{\"key\":\"bench\"}", "--duration", "1s", "--warmup", "300ms"),
            "cell bench kv get");
        assertTrue(gets.output().contains("kv.get: back-to-back, 1 connection"), gets.output());
        assertTrue(count(gets.output(), "calls") > 0, gets.output());
        mustSucceed(cell(root, cellHome, 120, "stop", kv.toString()), "cell stop kv");
    }

    private static long count(final String out, final String label)
    {
        final Matcher m = Pattern.compile("(?m)^" + label + "\\s+([\\d,]+)").matcher(out);
        assertTrue(m.find(), label + " missing in\n" + out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static Path copyExchange(final Path target) throws IOException
    {
        SystemTestSupport.copyCell(EXCHANGE, target, "exchange", "");
        assertTrue(Files.readString(target.resolve("cell.toml")).contains("latency = \"spin\""),
            "the exchange is a spinning cell");
        return target;
    }
}
