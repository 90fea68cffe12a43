package dev.cell.cli;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.MetricsListen;
import dev.cell.tissue.supervise.Supervisors;
import dev.cell.tissue.observe.MetricsServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell metrics}: it finds a tissue's endpoint through its supervisor's entry (by tissue name, cell name or
 * folder) and prints the scrape as served; {@code --url}; the errors when nothing runs or the endpoint is off. And
 * through a real detached supervisor: N calls of {@code probe}'s {@code ping} raise its counters by exactly N.
 */
@Timeout(240)
class MetricsCommandTest
{
    @TempDir
    Path tmp;

    private Path home;
    private CellHomeProperty cellHome;

    @BeforeEach
    void setUp() throws IOException
    {
        home = Files.createDirectories(tmp.resolve("home"));
        cellHome = CellHomeProperty.set(home);
    }

    @AfterEach
    void tearDown()
    {
        TissueProcesses.killAll(home);
        if (cellHome != null)
        {
            cellHome.close();
        }
    }

    @Test
    void printsTheScrapeOfTheTissueItFindsByNameCellOrFolder() throws Exception
    {
        final MultiCollector fixed = () -> MetricSnapshots.of(CounterSnapshot.builder().name("cell_test_calls")
            .help("A fixed counter.").dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("cell", "probe")).value(3).build()).build());
        final Path root = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("shop")), "");
        try (MetricsServer server = new MetricsServer(MetricsListen.DEFAULT, fixed))
        {
            entry("shop", root, server.address());
            final String golden = """
                # HELP cell_test_calls_total A fixed counter.
                # TYPE cell_test_calls_total counter
                cell_test_calls_total{cell="probe"} 3.0
                """;
            for (final String target : List.of("shop", "probe", root.toString()))
            {
                final Cli cli = Cli.run("metrics", target);
                assertEquals(0, cli.code(), cli.toString());
                assertEquals(golden, cli.out(), "cell metrics " + target);
            }
            final Cli only = Cli.run("metrics");
            assertEquals(golden, only.out(), "the one running tissue: " + only);
            final Cli url = Cli.run("metrics", "--url", "shop");
            assertEquals("http://" + server.address() + "/metrics\n", url.out(), url.toString());

            final Cli unknown = Cli.run("metrics", "nothing");
            assertEquals(CellCommand.EXIT_USER_ERROR, unknown.code(), unknown.toString());
            assertTrue(unknown.err().contains("no running tissue or cell is named 'nothing'"), unknown.toString());
        }
        entry("shop", root, "");
        final Cli off = Cli.run("metrics", "shop");
        assertEquals(CellCommand.EXIT_USER_ERROR, off.code(), off.toString());
        assertTrue(off.err().contains("serves no metrics"), off.toString());
    }

    @Test
    void withNothingRunningItSaysHowToStartATissue()
    {
        final Cli cli = Cli.run("metrics", "shop");
        assertEquals(CellCommand.EXIT_USER_ERROR, cli.code(), cli.toString());
        assertTrue(cli.err().contains("`cell mitosis <dir>` starts a tissue"), cli.toString());
    }

    @Test
    void nPingsThroughARealSupervisorRaisePingsCountersByExactlyN() throws Exception
    {
        final Path root = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("probe")),
            "metrics = \"127.0.0.1:0\"\n");
        final Cli started = Cli.run("mitosis", root.toString(), "--detach", "--no-build", "--ready-timeout", "60s");
        assertEquals(0, started.code(), started.toString());
        final Supervisors.Entry supervisor = Supervisors.forFolder(home, Supervisors.real(root));
        assertTrue(supervisor.metrics().startsWith("127.0.0.1:"), "advertised: " + supervisor);
        final Map<String, Object> status = Json.parseObject(supervisor.send("status"));
        assertEquals(supervisor.metrics(), status.get("metrics"), "in the status too");

        final Cli first = Cli.run("metrics", root.toString());
        assertEquals(0, first.code(), first.toString());
        final String instance = value(first.out(), "cell_instance_info", "instance");
        final double callsBefore = sample(first.out(), "cell_handler_calls_total", instance);
        final double countBefore = sample(first.out(), "cell_handler_service_seconds_count", instance);
        final int n = 23;
        try (CellConnection c = CellConnection.connect("probe", 0xeeL, ClientOptions.defaults().withCellHome(home)
            .withConnectTimeout(Duration.ofSeconds(20)).withCallTimeout(Duration.ofSeconds(10))))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(16);
            final Reply reply = new Reply();
            for (int i = 0; i < n; i++)
            {
                req.putShort(0, (short)8, ByteOrder.LITTLE_ENDIAN);
                req.putShort(2, (short)1, ByteOrder.LITTLE_ENDIAN);
                req.putShort(4, (short)ProbeBinding.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
                req.putShort(6, (short)0, ByteOrder.LITTLE_ENDIAN);
                req.putLong(8, i, ByteOrder.LITTLE_ENDIAN);
                c.call(req, 0, 16, reply);
                assertEquals(i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
        }
        final Cli second = Cli.run("metrics", "probe");
        assertEquals(0, second.code(), second.toString());
        assertEquals(n, sample(second.out(), "cell_handler_calls_total", instance) - callsBefore, second.out());
        assertEquals(n, sample(second.out(), "cell_handler_service_seconds_count", instance) - countBefore);
        assertTrue(second.out().contains("cell_cell_state{cell=\"probe\",cell_cell_state=\"ready\"} 1"),
            second.out());
        final Cli stop = Cli.run("stop", root.toString());
        assertEquals(0, stop.code(), stop.toString());
    }

    private static double sample(final String text, final String name, final String instance)
    {
        final Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{cell=\"probe\",handler=\"ping\"," +
            "instance=\"" + Pattern.quote(instance) + "\"} (\\S+)$", Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), name + " of ping on " + instance + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    private static String value(final String text, final String name, final String label)
    {
        final Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{.*" + label + "=\"([^\"]+)\"",
            Pattern.MULTILINE).matcher(text);
        assertTrue(m.find(), name + " in:\n" + text);
        return m.group(1);
    }

    private void entry(final String tissue, final Path root, final String metrics) throws IOException
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("tissue", tissue);
        json.put("root", root.toString());
        json.put("pid", ProcessHandle.current().pid());
        json.put("port", 1L);
        json.put("token", "00");
        json.put("cells", List.of("probe"));
        json.put("metrics", metrics);
        PrivateFiles.createDirectories(Supervisors.dir(home));
        PrivateFiles.write(Supervisors.dir(home).resolve(tissue + "-" + ProcessHandle.current().pid() + ".json"),
            Json.write(json) + "\n");
    }
}
