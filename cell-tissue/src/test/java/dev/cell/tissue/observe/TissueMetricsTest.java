package dev.cell.tissue.observe;

import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.TissueSupervisor;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tissue's scrape endpoint over HTTP against a real instance (in-process, its serving thread writing its
 * {@code instance.dat}): the scrape parses under the text format's rules ({@link PromText}; and
 * {@code promtool check metrics} where it is installed), and N calls of one handler raise that handler's call counter
 * and histogram count by exactly N while the other handler's stay where they were.
 */
class TissueMetricsTest
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void nCallsOfOneHandlerRaiseItsCallsAndHistogramCountByExactlyN() throws Exception
    {
        final Path home = newDir("home");
        final Path dir = tissue("metrics = \"127.0.0.1:0\"\n");
        final String id = "meter-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        final TissueTree tree = TissueTree.load(dir);
        try (CellServer server = CellServer.start(MeterCell.NAME, MeterCell.GENOME, MeterCell.dispatcher(), null, dir,
                ServerOptions.defaults().withCellHome(home).withInstanceId(id));
            MetricsServer metrics = new MetricsServer(tree.metrics(), new TissueMetrics(tree, home, null,
                TissueSupervisor.stateNames()));
            CellConnection c = CellConnection.connect(MeterCell.NAME, MeterCell.GENOME.fingerprintValue(),
                ClientOptions.defaults().withCellHome(home).withConnectTimeout(Duration.ofSeconds(10))
                    .withCallTimeout(Duration.ofSeconds(10)).withClientName("metrics-test")))
        {
            assertTrue(metrics.address().startsWith("127.0.0.1:"), metrics.address());
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            c.call(req, 0, MeterCell.request(req, MeterCell.BETA, 5), reply);
            c.call(req, 0, MeterCell.request(req, MeterCell.BETA, -1), reply);
            assertTrue(reply.isError(), "beta's declared error");

            final PromText before = scrape(metrics);
            final String[] alpha = {"cell", MeterCell.NAME, "instance", id, "handler", "alpha"};
            final String[] beta = {"cell", MeterCell.NAME, "instance", id, "handler", "beta"};
            assertEquals(0, before.value("cell_handler_calls_total", alpha), "a handler never called reads 0");
            assertEquals(2, before.value("cell_handler_calls_total", beta));
            assertEquals(1, before.value("cell_handler_errors_total", beta));

            final int n = 41;
            for (int i = 0; i < n; i++)
            {
                c.call(req, 0, MeterCell.request(req, MeterCell.ALPHA, i), reply);
                assertEquals(i, reply.buffer().getLong(8, java.nio.ByteOrder.LITTLE_ENDIAN));
            }
            final PromText after = scrape(metrics);
            assertEquals(n, after.value("cell_handler_calls_total", alpha) -
                before.value("cell_handler_calls_total", alpha));
            assertEquals(n, after.value("cell_handler_service_seconds_count", alpha) -
                before.value("cell_handler_service_seconds_count", alpha));
            assertEquals(n, after.value("cell_handler_service_seconds_bucket", plus(alpha, "le", "+Inf")) -
                before.value("cell_handler_service_seconds_bucket", plus(alpha, "le", "+Inf")));
            assertTrue(after.value("cell_handler_service_seconds_sum", alpha) > 0);
            for (final String sample : List.of("cell_handler_calls_total", "cell_handler_errors_total",
                "cell_handler_service_seconds_count", "cell_handler_service_seconds_sum"))
            {
                assertEquals(before.value(sample, beta), after.value(sample, beta), sample + " of beta moved");
            }
            assertEquals(n, after.value("cell_instance_calls_total", "instance", id) -
                before.value("cell_instance_calls_total", "instance", id));
            assertEquals(1, after.value("cell_instance_errors_total", "instance", id));
            assertEquals(1, after.value("cell_tissue_info", "tissue", MeterCell.NAME));
            assertEquals(1, after.value("cell_instance_info", "instance", id, "fingerprint", "000000000000a1b2"));
            assertNotNull(after.family("cell_handler_service_seconds"));
            assertEquals("histogram", after.family("cell_handler_service_seconds").type());
            assertEquals("counter", after.family("cell_handler_calls_total").type());
            assertEquals(27, after.family("cell_handler_service_seconds").samples().stream()
                .filter(s -> s.name().endsWith("_bucket") && "alpha".equals(s.labels().get("handler"))).count(),
                "26 bounds (2^10 - 1 ns to 2^35 - 1 ns) and +Inf");
        }
    }

    @Test
    void theEndpointAnswersOnlyItsPathAndTheTextFormat() throws Exception
    {
        final Path home = newDir("home");
        final Path dir = tissue("");
        final TissueTree tree = TissueTree.load(dir);
        try (MetricsServer metrics = new MetricsServer(tree.metrics(), new TissueMetrics(tree, home,
            () -> Map.of("cells", List.of(Map.of("cell", MeterCell.NAME, "state", "ready", "restarts", 3L,
                "instances", List.of(Map.of("state", "ready"), Map.of("state", "backoff"))))),
            TissueSupervisor.stateNames())))
        {
            final HttpResponse<String> ok = get(metrics.url());
            assertEquals(200, ok.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8",
                ok.headers().firstValue("Content-Type").orElse(""));
            final PromText text = PromText.parse(ok.body());
            assertEquals(1, text.value("cell_cell_state", "cell", MeterCell.NAME, "cell_cell_state", "ready"));
            assertEquals(0, text.value("cell_cell_state", "cell", MeterCell.NAME, "cell_cell_state", "failed"));
            assertEquals(3, text.value("cell_cell_restarts_total", "cell", MeterCell.NAME));
            assertEquals(1, text.value("cell_cell_instances", "cell", MeterCell.NAME));
            assertEquals(404, get("http://" + metrics.address() + "/other").statusCode());
            final HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(metrics.url()))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    @Test
    void theParserRefusesWhatTheFormatForbids()
    {
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("a 1"), "no final line feed");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("a{b=\"x\\q\"} 1\n"), "bad escape");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("a one\n"), "not a float");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("a 1\nb 1\na{x=\"1\"} 2\n"),
            "lines of a not together");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("a 1\na 2\n"), "the same series twice");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse(
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"),
            "not cumulative");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse(
            "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\nh_sum 0\n"), "no +Inf");
        assertEquals(2, PromText.parse("# TYPE c counter\nc_total{a=\"x\\\"y\"} 2\n").value("c_total", "a", "x\"y"));
    }

    @Test
    void promtoolAcceptsTheScrape() throws Exception
    {
        final Path promtool = onPath("promtool");
        if (promtool == null && "1".equals(System.getenv("CELL_REQUIRE_PROMTOOL")))
        {
            Assertions.fail("promtool is not on PATH and CELL_REQUIRE_PROMTOOL=1 (CI unpacks it from Debian's " +
                "prometheus package)");
        }
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (Debian package prometheus)");
        final Path home = newDir("home");
        final Path dir = tissue("");
        final String id = "meter-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        final TissueTree tree = TissueTree.load(dir);
        try (CellServer server = CellServer.start(MeterCell.NAME, MeterCell.GENOME, MeterCell.dispatcher(), null, dir,
                ServerOptions.defaults().withCellHome(home).withInstanceId(id));
            MetricsServer metrics = new MetricsServer(tree.metrics(), new TissueMetrics(tree, home,
                () -> Map.of("cells", List.of(Map.of("cell", MeterCell.NAME, "state", "ready", "restarts", 0L,
                    "instances", List.of(Map.of("state", "ready"))))), TissueSupervisor.stateNames()));
            CellConnection c = CellConnection.connect(MeterCell.NAME, 0, ClientOptions.defaults()
                .withCellHome(home).withConnectTimeout(Duration.ofSeconds(10)).withClientName("promtool-test")))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            c.call(req, 0, MeterCell.request(req, MeterCell.ALPHA, 1), reply);
            c.call(req, 0, MeterCell.request(req, MeterCell.BETA, -1), reply);
            req.putShort(2, (short)99, java.nio.ByteOrder.LITTLE_ENDIAN); // no such handler: a failure
            assertThrows(dev.cell.runtime.CellException.class, () -> c.call(req, 0, 16, reply));
            final String body = get(metrics.url()).body();
            assertTrue(body.contains("cell_handler_failures_total{"), body);
            final Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true)
                .start();
            try
            {
                p.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                final String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool finished");
                assertEquals(0, p.exitValue(), said);
            }
            finally
            {
                p.destroyForcibly();
            }
        }
    }

    private static String[] plus(final String[] labels, final String name, final String value)
    {
        final String[] out = java.util.Arrays.copyOf(labels, labels.length + 2);
        out[labels.length] = name;
        out[labels.length + 1] = value;
        return out;
    }

    private static PromText scrape(final MetricsServer metrics) throws Exception
    {
        final HttpResponse<String> r = get(metrics.url());
        assertEquals(200, r.statusCode(), r.body());
        return PromText.parse(r.body());
    }

    private static HttpResponse<String> get(final String url) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static Path onPath(final String program)
    {
        for (final String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            final Path p = Path.of(d, program);
            if (!d.isEmpty() && Files.isExecutable(p))
            {
                return p;
            }
        }
        return null;
    }

    private static Path tissue(final String extra) throws IOException
    {
        final Path dir = newDir("meter");
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"" + MeterCell.NAME + "\"\n" + extra);
        return dir;
    }

    static Path newDir(final String name) throws IOException
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name + "-").toAbsolutePath();
    }
}
