package dev.cell.cli;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.GenomeCodec;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.launch.Instances;
import dev.cell.tools.bench.LatencyHarness;
import dev.cell.tools.bench.LatencySummary;
import dev.cell.tools.bench.PercentileChart;
import dev.cell.tools.bench.Probe;
import org.HdrHistogram.Histogram;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code cell bench <name> <handler> '<json>'}: measure the round trips of one handler of a running cell. The request
 * is encoded once from the instance's genome (as {@code cell call} does) and then sent over and over through
 * {@link LatencyHarness}: back to back, or with {@code --rate} at a fixed rate corrected for coordinated omission,
 * from {@code --connections} client threads, each with its own junction. A declared error reply is a completed call
 * and is counted as an error (over all calls made, warm-up included). Prints the count, throughput and
 * percentiles, with the idle profiles of the client and the instance; optionally writes the histogram
 * ({@code .hgrm}) and an SVG percentile chart. With {@code --endpoint} (and {@code --key}) it measures one remote
 * instance over its axon instead ({@link RemoteOptions}); that instance's idle profile is then unknown here.
 *
 * @since 0.1
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Measure the round-trip latency of a handler of a running cell.",
        "Back to back by default; --rate N sends N calls per second in total, each measured from when it was " +
            "due (corrected for coordinated omission).",
        "Example: cell bench exchange placeOrder '{\"symbol\":\"ACME\",\"side\":\"BUY\",\"price\":100,...}' " +
            "--rate 10000 --duration 10s --hgrm place.hgrm --chart place.svg",
        "Busy client threads (--latency spin, or back to back) are limited to cores - 1.",
        "With --endpoint host:port [--key ed25519:...] it measures the instance there, over its axon."
    })
final class BenchCommand implements Callable<Integer>
{
    private static final Pattern ZERO = Pattern.compile("0+(\\.0+)?\\s*(ms|s|m|h)?");

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The cell's name.")
    private String cell;

    @Parameters(index = "1", paramLabel = "<handler>", description = "The handler's (method's) name.")
    private String handler;

    @Parameters(index = "2", paramLabel = "<json>", defaultValue = "{}",
        description = "The request as a JSON object, sent on every call (default: {}).")
    private String json;

    @Option(names = "--rate", paramLabel = "<calls/s>",
        description = "Total calls per second, fixed rate, corrected for coordinated omission (default: back to back).")
    private Long rate;

    @Option(names = "--duration", defaultValue = "10s", paramLabel = "<duration>",
        description = "How long to measure, e.g. 500ms, 10s, 1m (default: ${DEFAULT-VALUE}).")
    private String duration;

    @Option(names = "--warmup", defaultValue = "2s", paramLabel = "<duration>",
        description = "How long to call before measuring (default: ${DEFAULT-VALUE}); 0 for none.")
    private String warmup;

    @Option(names = "--connections", defaultValue = "1", paramLabel = "<K>",
        description = "Client threads, each with its own connection; the rate is split over them " +
            "(default: ${DEFAULT-VALUE}).")
    private int connections;

    @Option(names = "--latency", defaultValue = "eco", paramLabel = "eco|spin",
        description = "How the client waits for a reply: eco (spins briefly, then sleeps) or spin " +
            "(default: ${DEFAULT-VALUE}).")
    private String latency;

    @Option(names = "--timeout", defaultValue = "5s", paramLabel = "<duration>",
        description = "Connect timeout and deadline of each call (default: ${DEFAULT-VALUE}).")
    private String timeout;

    @Option(names = "--hgrm", paramLabel = "<file>",
        description = "Write HdrHistogram's percentile distribution (values in µs) to this file.")
    private Path hgrm;

    @Option(names = "--chart", paramLabel = "<file.svg>",
        description = "Write an SVG percentile chart (log µs against percentile) to this file.")
    private Path chart;

    @Option(names = "--json", description = "Print the result as one JSON object instead of a table.")
    private boolean printJson;

    @Mixin
    private RemoteOptions remote;

    private Endpoint endpoint;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Duration measure = Durations.parse(duration, "--duration");
        final Duration warm =
            ZERO.matcher(warmup.trim()).matches() ? Duration.ZERO : Durations.parse(warmup, "--warmup");
        final Duration deadline = Durations.parse(timeout, "--timeout");
        final IdleProfile clientProfile = parseProfile(latency);
        validate(rate, connections, clientProfile, Runtime.getRuntime().availableProcessors());
        final Map<String, Object> request = CallCommand.parseRequest(json);
        endpoint = remote.endpointFor(cell);
        // A remote instance is not in this host's registry: nothing to check first, and its profile is unknown.
        final Instances instances = null == endpoint ? CallCommand.requireLive(cell) : null;

        final ClientOptions options = ClientOptions.defaults()
            .withCellHome(null == instances ? CellHome.resolve() : instances.cellHome())
            .withConnectTimeout(deadline)
            .withCallTimeout(deadline)
            .withIdleProfile(clientProfile)
            .withEndpoint(endpoint);
        final List<CellConnection> opened = new ArrayList<>(connections);
        try
        {
            for (int i = 0; i < connections; i++)
            {
                opened.add(CellConnection.connect(
                    cell, 0L, options.withClientName("cell-bench-" + ProcessHandle.current().pid() + "-" + i)));
            }
            final GenomeCodec codec = GenomeCodec.of(opened.getFirst().genome());
            final ExpandableArrayBuffer encoded = new ExpandableArrayBuffer(256);
            final int length = CallCommand.encodeRequest(cell, codec, handler, request, encoded);

            final List<CallProbe> probes = new ArrayList<>(connections);
            for (final CellConnection connection : opened)
            {
                probes.add(new CallProbe(connection, encoded, length));
            }
            final List<Probe> asProbes = List.copyOf(probes);
            final Histogram histogram = null == rate ?
                LatencyHarness.backToBack(asProbes, warm, measure) :
                LatencyHarness.fixedRate(asProbes, rate, warm, measure);

            long errors = 0;
            long made = 0;
            for (final CallProbe probe : probes)
            {
                errors += probe.errors;
                made += probe.calls;
            }
            final String instanceProfile = instanceProfiles(instances, opened);
            final String mode = null == rate ? "back-to-back" : "fixed-rate " + rate + "/s";
            final String profile = "client " + clientProfile.name().toLowerCase(Locale.ROOT) + ", instance " +
                instanceProfile;
            final LatencySummary summary =
                LatencySummary.of(histogram, LatencyHarness.elapsedNanos(histogram), mode, profile);
            writeFiles(histogram, summary);
            print(out, summary, errors, made, instanceProfile, clientProfile);
            out.flush();
            return CellCommand.EXIT_OK;
        }
        finally
        {
            for (final CellConnection connection : opened)
            {
                connection.close();
            }
        }
    }

    /**
     * Check the options that do not need a running cell.
     *
     * @param rate        calls per second in total, or null for back to back.
     * @param connections client threads.
     * @param profile     how the client waits.
     * @param cores       the processors available.
     * @throws UserError naming the option and what to do.
     */
    static void validate(final Long rate, final int connections, final IdleProfile profile, final int cores)
    {
        if (connections < 1)
        {
            throw new UserError("--connections must be at least 1, got " + connections);
        }
        if (null != rate && rate < 1)
        {
            throw new UserError("--rate must be a positive number of calls per second, got " + rate);
        }
        if (null != rate && rate < connections)
        {
            throw new UserError("--rate " + rate + " is less than one call per second per connection (" +
                connections + " connections)");
        }
        // A spinning client, one calling back to back, or one whose calls are due more often than the harness parks
        // for, keeps its thread busy for the whole run.
        final boolean busy = profile == IdleProfile.SPIN || null == rate ||
            1_000_000_000.0 * connections / rate < LatencyHarness.PARK_THRESHOLD_NS;
        final int allowed = Math.max(0, cores - 1);
        if (busy && connections > allowed)
        {
            throw new UserError(connections + " busy client thread" + (connections == 1 ? "" : "s") + " (" +
                busyReason(rate, profile) + ") on " + cores +
                " core" + (cores == 1 ? "" : "s") + ": at most cores - 1 = " + allowed + " may spin, leaving a " +
                "core for the instance. Use fewer --connections" + (null == rate ? ", or --rate N" : "") +
                (profile == IdleProfile.SPIN ? ", or --latency eco" : ""));
        }
    }

    private static String busyReason(final Long rate, final IdleProfile profile)
    {
        if (profile == IdleProfile.SPIN)
        {
            return "--latency spin";
        }
        return null == rate ? "back to back, no --rate" : "more than " +
            1_000_000_000L / LatencyHarness.PARK_THRESHOLD_NS + " calls/s per connection";
    }

    private static IdleProfile parseProfile(final String value)
    {
        try
        {
            return IdleProfile.parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError("--latency: " + ex.getMessage(), ex);
        }
    }

    private static String instanceProfiles(final Instances instances, final List<CellConnection> opened)
    {
        if (null == instances)
        {
            return "unknown";
        }
        final TreeSet<String> profiles = new TreeSet<>();
        final TreeSet<String> reached = new TreeSet<>();
        for (final CellConnection connection : opened)
        {
            reached.add(connection.instanceId());
        }
        for (final Instances.Instance instance : instances.live(opened.getFirst().cell()))
        {
            if (reached.contains(instance.instanceId()))
            {
                profiles.add(instance.latency());
            }
        }
        return profiles.isEmpty() ? "unknown" : String.join("+", profiles);
    }

    private void writeFiles(final Histogram histogram, final LatencySummary summary)
    {
        if (null != hgrm)
        {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (PrintStream ps = new PrintStream(bytes, true, StandardCharsets.UTF_8))
            {
                histogram.outputPercentileDistribution(ps, 1_000.0);
            }
            write(hgrm, bytes.toString(StandardCharsets.UTF_8), "--hgrm");
        }
        if (null != chart)
        {
            final String title = cell + "." + handler + ": " + summary.mode() + ", " + summary.idleProfile() + ", " +
                summary.count() + " calls";
            write(chart, PercentileChart.svg(title, histogram), "--chart");
        }
    }

    private static void write(final Path file, final String text, final String option)
    {
        try
        {
            final Path parent = file.toAbsolutePath().getParent();
            if (null != parent)
            {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new UserError(option + ": cannot write " + file + ": " + ex.getMessage(), ex);
        }
    }

    private void print(
        final PrintWriter out,
        final LatencySummary summary,
        final long errors,
        final long made,
        final String instanceProfile,
        final IdleProfile clientProfile)
    {
        if (printJson)
        {
            final Map<String, Object> map = new LinkedHashMap<>();
            map.put("cell", cell);
            map.put("handler", handler);
            if (null != endpoint)
            {
                map.put("endpoint", endpoint.address());
            }
            map.put("connections", connections);
            map.put("errors", errors);
            map.put("callsMade", made);
            map.put("clientLatency", clientProfile.name().toLowerCase(Locale.ROOT));
            map.put("instanceLatency", instanceProfile);
            map.putAll(summary.toMap());
            out.println(Json.write(map));
            return;
        }
        out.printf(Locale.ROOT, "%s.%s%s: %s, %d connection%s, %s after %s warm-up%n", cell, handler,
            null == endpoint ? "" : " at " + endpoint.address(), summary.mode(), connections,
            connections == 1 ? "" : "s", duration, warmup);
        out.printf(Locale.ROOT, "idle profile: client %s, instance %s%n",
            clientProfile.name().toLowerCase(Locale.ROOT), instanceProfile);
        out.printf(Locale.ROOT, "%-12s %,d measured (declared errors: %,d of %,d calls made, warm-up included)%n",
            "calls", summary.count(), errors, made);
        out.printf(Locale.ROOT, "%-12s %,.0f/s%n", "throughput", summary.throughputPerSec());
        row(out, "p50", summary.p50Us());
        row(out, "p90", summary.p90Us());
        row(out, "p99", summary.p99Us());
        row(out, "p99.9", summary.p999Us());
        row(out, "p99.99", summary.p9999Us());
        row(out, "max", summary.maxUs());
        if (null != hgrm)
        {
            out.println("histogram: " + hgrm);
        }
        if (null != chart)
        {
            out.println("chart: " + chart);
        }
    }

    private static void row(final PrintWriter out, final String label, final double us)
    {
        out.printf(Locale.ROOT, "%-12s %,12.2f us%n", label, us);
    }

    /**
     * One connection's round trip: send the pre-encoded request, wait for the reply, count declared errors.
     * Allocates nothing per call.
     */
    private static final class CallProbe implements Probe
    {
        private final CellConnection connection;
        private final MutableDirectBuffer request;
        private final int length;
        private final Reply reply = new Reply();
        private long calls;
        private long errors;

        CallProbe(final CellConnection connection, final ExpandableArrayBuffer encoded, final int length)
        {
            this.connection = connection;
            this.request = new UnsafeBuffer(new byte[length]);
            this.request.putBytes(0, encoded, 0, length);
            this.length = length;
        }

        @Override
        public void call()
        {
            connection.call(request, 0, length, reply);
            calls++;
            if (reply.isError())
            {
                errors++;
            }
        }
    }
}
