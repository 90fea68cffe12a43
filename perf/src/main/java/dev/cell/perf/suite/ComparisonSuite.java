package dev.cell.perf.suite;

import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tools.bench.LatencyHarness;
import dev.cell.tools.bench.LatencySummary;
import dev.cell.tools.bench.PercentileChart;
import dev.cell.tools.bench.Probe;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The side-by-side comparison suite, run by {@code ./cell perf}: the same {@value #MESSAGE_BYTES}-byte message
 * ping-ponged between two processes over every path, from the physical floor (one shared cache line) up to gRPC,
 * back to back and at a fixed rate (corrected for coordinated omission), in interleaved rounds with a fresh peer
 * process per path and round and a warm-up before every measurement. Only one path runs at a time, and its two
 * sides never spin on more threads than {@link SpinBudget} allows. Writes
 * {@code <out>/<date>-<machine>.json}, two SVG charts, an HTML page and a markdown table.
 */
public final class ComparisonSuite
{
    /** The application payload every path carries each way. */
    public static final int MESSAGE_BYTES = 32;

    /** The longest warm-up by call count. */
    static final Duration MAX_WARMUP = Duration.ofSeconds(10);

    private ComparisonSuite()
    {
    }

    /**
     * @param args see {@link #usage()}.
     * @throws Exception when the report cannot be written.
     */
    public static void main(final String[] args) throws Exception
    {
        final Options options;
        try
        {
            options = Options.parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("cell perf: " + ex.getMessage());
            System.exit(1);
            return;
        }
        if (options == null)
        {
            System.out.println(usage());
            return;
        }
        final int code = run(options, args);
        if (code != 0)
        {
            System.exit(code);
        }
    }

    /**
     * Run the suite and write its report.
     *
     * @param options the settings.
     * @param args    the command line, recorded in the report.
     * @return 0, or 1 when no path matched or a path failed (the report is written all the same).
     * @throws Exception when the report cannot be written.
     */
    static int run(final Options options, final String[] args) throws Exception
    {
        final int rounds = options.rounds();
        final long warmupCalls = options.warmupCalls();
        final double warmupSeconds = options.warmupSeconds();
        final double seconds = options.seconds();
        final long rate = options.rate();
        final double rateSeconds = options.rateSeconds();
        final Path out = options.out();
        final Set<String> only = options.only();

        final SpinBudget budget = SpinBudget.ofThisMachine();
        final List<Contender> contenders = new ArrayList<>();
        for (final Contender c : Contender.all(budget))
        {
            if (only == null || only.contains(c.id()))
            {
                contenders.add(c);
            }
        }
        if (contenders.isEmpty())
        {
            System.err.println("cell perf: --only " + String.join(",", only) + " matched no path; the paths are " +
                String.join(",", Contender.all(budget).stream().map(Contender::id).toList()));
            return 1;
        }
        final String cpu = cpuModel();
        final String machine = budget.cores() + " cpus, " + cpu + ", " + System.getProperty("os.name") + " " +
            System.getProperty("os.version") + ", JDK " + Runtime.version();
        System.out.printf("machine: %s%n", machine);
        System.out.printf(Locale.ROOT, "spin budget: at most %d busy-spinning thread(s) (cores - 1); " +
            "shared-memory paths: %s%n", budget.maxSpinners(), budget.sharedMemoryProfile());
        System.out.printf(Locale.ROOT, "%d round(s) of %s; %d-byte messages; warm-up %.1f s and %,d calls, " +
            "back to back %.1f s, " +
            "fixed rate %,d/s for %.1f s per path and round%n", rounds,
            contenders.stream().map(Contender::id).toList(), MESSAGE_BYTES, warmupSeconds, warmupCalls, seconds, rate,
            rateSeconds);

        final Duration warmup = seconds(warmupSeconds);
        final Duration b2bDuration = seconds(seconds);
        final Duration rateDuration = seconds(rateSeconds);
        final Duration rateWarmup = seconds(Math.min(warmupSeconds, 0.5));
        final Duration rateGuard = rateWarmup.plus(rateDuration.multipliedBy(2)).plusSeconds(1);
        final String loadAtStart = loadAverage();
        if (loadBusy(loadAtStart, budget.cores()))
        {
            System.out.printf("warning: the machine is busy (load average %s on %d cores): other processes compete " +
                "with the peers, spinning paths suffer most; the figures will say more about the machine than the " +
                "paths%n", loadAtStart, budget.cores());
        }
        final long startNs = System.nanoTime();
        final Path work = Files.createTempDirectory("cell-perf-suite-");
        final Map<String, Accumulated> b2b = new LinkedHashMap<>();
        final Map<String, Accumulated> fixed = new LinkedHashMap<>();
        final Map<String, String> errors = new LinkedHashMap<>();
        try
        {
            for (int round = 1; round <= rounds; round++)
            {
                for (final Contender c : contenders)
                {
                    if (errors.containsKey(c.id()))
                    {
                        continue;
                    }
                    final Path dir = Files.createDirectories(work.resolve("r" + round + "-" + c.id()));
                    try (Contender.Session session = c.opener().open(dir))
                    {
                        warmUp(session.probe(), warmup, warmupCalls);
                        final Histogram h1 = LatencyHarness.backToBack(session.probe(), Duration.ZERO, b2bDuration);
                        b2b.computeIfAbsent(c.id(), k -> new Accumulated()).add(h1);
                        final String b2bLine = String.format(Locale.ROOT, "round %d  %-36s back to back p50 %9.2f us " +
                            "p99 %9.2f us %,11.0f/s", round, c.name(), h1.getValueAtPercentile(50) / 1e3,
                            h1.getValueAtPercentile(99) / 1e3,
                            h1.getTotalCount() * 1e9 / Math.max(1, LatencyHarness.elapsedNanos(h1)));
                        final Accumulated f = fixed.computeIfAbsent(c.id(), k -> new Accumulated());
                        try
                        {
                            final Histogram h2 = LatencyHarness.fixedRate(
                                new GuardedProbe(session.probe(), rateGuard), rate, rateWarmup, rateDuration);
                            f.add(h2);
                            System.out.printf(Locale.ROOT, "%s | fixed rate p50 %9.2f us p99 %9.2f us%n", b2bLine,
                                h2.getValueAtPercentile(50) / 1e3, h2.getValueAtPercentile(99) / 1e3);
                        }
                        catch (final GuardedProbe.RateNotKept ex)
                        {
                            f.leaveOut();
                            System.out.printf("%s | fixed rate: %s; round left out%n", b2bLine, ex.getMessage());
                        }
                    }
                    catch (final Exception ex)
                    {
                        errors.put(c.id(), String.valueOf(ex));
                        System.out.printf("round %d  %-36s FAILED: %s%n", round, c.name(), ex);
                        ex.printStackTrace();
                    }
                }
            }
        }
        finally
        {
            InstanceRegistry.deleteTree(work);
        }

        final List<SuiteReport.PathResult> results = new ArrayList<>();
        final Map<String, Histogram> b2bSeries = new LinkedHashMap<>();
        final Map<String, Histogram> fixedSeries = new LinkedHashMap<>();
        final String rateMode = String.format(Locale.ROOT, "fixed rate %d/s", rate);
        for (final Contender c : contenders)
        {
            final String error = errors.get(c.id());
            if (error != null)
            {
                results.add(new SuiteReport.PathResult(c.id(), c.name(), c.profile(), null, null, error));
                continue;
            }
            final Accumulated a = b2b.get(c.id());
            final Accumulated f = fixed.get(c.id());
            results.add(new SuiteReport.PathResult(c.id(), c.name(), c.profile(),
                a.measured("back-to-back", c.profile()), f.measured(rateMode, c.profile()), null));
            b2bSeries.put(c.id(), a.merged);
            if (f.merged.getTotalCount() > 0)
            {
                fixedSeries.put(c.id(), f.merged);
            }
        }

        final String base = SuiteReport.baseName(LocalDate.now(ZoneOffset.UTC), budget.cores(), cpu);
        Files.createDirectories(out);
        final String b2bChart = base + "-back-to-back.svg";
        final String rateChart = base + "-fixed-rate.svg";
        Files.writeString(out.resolve(b2bChart), PercentileChart.svg(
            "Round trip, back to back, " + MESSAGE_BYTES + " B, " + budget.cores() + " cpus", b2bSeries));
        Files.writeString(out.resolve(rateChart), PercentileChart.svg(
            "Round trip at " + rate + "/s (CO-corrected), " + MESSAGE_BYTES + " B, " + budget.cores() + " cpus",
            fixedSeries));

        final double elapsed = (System.nanoTime() - startNs) / 1e9;
        final Map<String, Object> header = new LinkedHashMap<>();
        header.put("suite", "cell comparison suite");
        header.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        header.put("machine", machine);
        header.put("cores", budget.cores());
        header.put("loadAverageAtStart", loadAtStart);
        header.put("loadAverageAtEnd", loadAverage());
        header.put("maxSpinningThreads", budget.maxSpinners());
        header.put("sharedMemoryWait", budget.sharedMemoryProfile());
        header.put("messageBytes", MESSAGE_BYTES);
        header.put("rounds", rounds);
        header.put("warmupSeconds", warmupSeconds);
        header.put("warmupCallsAtLeast", warmupCalls);
        header.put("backToBackSeconds", seconds);
        header.put("fixedRatePerSecond", rate);
        header.put("fixedRateSeconds", rateSeconds);
        header.put("fixedRateGiveUpSeconds", rateGuard.toMillis() / 1000.0);
        header.put("elapsedSeconds", SuiteReport.round(elapsed, 3));
        header.put("charts", List.of(b2bChart, rateChart));
        header.put("command", String.join(" ", "./cell", "perf", String.join(" ", args)).trim());
        final Path json = out.resolve(base + ".json");
        Files.writeString(json, SuiteReport.prettyJson(SuiteReport.json(header, results)));

        final List<String> intro = List.of(
            "machine: " + machine + "; load average (1, 5, 15 min) " + loadAtStart + " at the start, " +
                header.get("loadAverageAtEnd") + " at the end",
            "spin budget: at most " + budget.maxSpinners() + " busy-spinning thread(s) (cores - 1); " +
                "every row names how its two sides waited",
            MESSAGE_BYTES + "-byte messages each way; " + rounds + " interleaved round(s), a fresh peer process " +
                "per path and round; warm-up of at least " + warmupSeconds + " s and " + warmupCalls +
                " calls (at most " + MAX_WARMUP.toSeconds() + " s) before each measurement",
            "back to back " + seconds + " s per round; fixed rate " + rate + "/s for " + rateSeconds +
                " s per round, each call timed from its intended send time; a round that has not made its calls " +
                "within " + rateGuard.toMillis() / 1000.0 + " s could not keep the rate and is left out (and said so)",
            "ratios: this path's figure divided by the floor's (or gRPC's) of the same run; p50 ratios are the " +
                "median of the per-round ratios",
            "chart lines by id: " + String.join(", ",
                contenders.stream().map(c -> c.id() + " = " + c.name()).toList()),
            "suite took " + Math.round(elapsed) + " s; " + json.getFileName());
        final String title = "Cell comparison suite, " + LocalDate.now(ZoneOffset.UTC);
        Files.writeString(out.resolve(base + ".html"), SuiteReport.html(title, intro, results, b2bChart, rateChart));
        final String markdown = "Back to back, " + machine + ", `" + base + ".json`:\n\n" +
            SuiteReport.markdown(results, false) + "\nFixed rate " + rate + "/s (CO-corrected):\n\n" +
            SuiteReport.markdown(results, true) +
            "\np50 ratios: median of the per-round ratios; p99 ratios: from all rounds merged. " +
            "Load average (1, 5, 15 min) " + loadAtStart + " at the start, " +
            header.get("loadAverageAtEnd") + " at the end.\n" + targetsMarkdown(results);
        Files.writeString(out.resolve(base + ".md"), markdown);

        System.out.println();
        System.out.println(markdown);
        System.out.printf(Locale.ROOT, "suite took %.0f s; wrote %s, %s, %s, %s.html and %s.md%n", elapsed, json,
            b2bChart, rateChart, base, base);
        if (!errors.isEmpty())
        {
            System.out.println("paths that failed: " + errors.keySet());
            return 1;
        }
        return 0;
    }

    /**
     * The suite's settings.
     *
     * @param rounds        interleaved rounds.
     * @param warmupSeconds the shortest warm-up.
     * @param warmupCalls   the fewest warm-up calls.
     * @param seconds       back-to-back measurement per round.
     * @param rate          fixed rate, calls per second.
     * @param rateSeconds   fixed-rate measurement per round.
     * @param out           where the report goes.
     * @param only          path ids to run, or null for all.
     */
    record Options(
        int rounds, double warmupSeconds, long warmupCalls, double seconds, long rate, double rateSeconds, Path out,
        Set<String> only)
    {
        /**
         * @param args the command line.
         * @return the options, or null when {@code --help} was asked for.
         * @throws IllegalArgumentException naming the option that is wrong and what it takes.
         */
        static Options parse(final String[] args)
        {
            int rounds = 3;
            long warmupCalls = 20_000;
            double warmupSeconds = 1.0;
            double seconds = 2.0;
            long rate = 2_000;
            double rateSeconds = 2.0;
            Path out = Path.of("perf", "results");
            Set<String> only = null;
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                if (arg.equals("--help") || arg.equals("-h"))
                {
                    return null;
                }
                if (!arg.startsWith("--"))
                {
                    throw new IllegalArgumentException("unexpected argument '" + arg + "'; " + usage());
                }
                if (i + 1 >= args.length)
                {
                    throw new IllegalArgumentException("option " + arg + " needs a value; " + usage());
                }
                final String value = args[++i];
                switch (arg)
                {
                    case "--rounds" -> rounds = (int)whole(arg, value, 1, 1_000);
                    case "--warmup" -> warmupSeconds = seconds(arg, value, 0);
                    case "--warmup-calls" -> warmupCalls = whole(arg, value, 0, Long.MAX_VALUE);
                    case "--seconds" -> seconds = seconds(arg, value, 0.001);
                    case "--rate" -> rate = whole(arg, value, 1, 10_000_000);
                    case "--rate-seconds" -> rateSeconds = seconds(arg, value, 0.001);
                    case "--out" -> out = Path.of(value);
                    case "--only" -> only = Set.of(value.split(","));
                    default -> throw new IllegalArgumentException("unknown option " + arg + "; " + usage());
                }
            }
            return new Options(rounds, warmupSeconds, warmupCalls, seconds, rate, rateSeconds, out, only);
        }

        private static long whole(final String option, final String value, final long min, final long max)
        {
            final long v;
            try
            {
                v = Long.parseLong(value.replace("_", "").replace(",", ""));
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " takes a whole number, not '" + value + "'");
            }
            if (v < min || v > max)
            {
                throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ": " + v);
            }
            return v;
        }

        private static double seconds(final String option, final String value, final double min)
        {
            final double v;
            try
            {
                v = Double.parseDouble(value);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(option + " takes seconds, e.g. 1 or 0.5, not '" + value + "'");
            }
            if (!(v >= min) || v > 3_600)
            {
                throw new IllegalArgumentException(option + " must be between " + min + " and 3600 seconds: " + v);
            }
            return v;
        }
    }

    private static String usage()
    {
        return "usage: ./cell perf [--rounds N (3)] [--warmup S (1)] [--warmup-calls N (20000)] " +
            "[--seconds S (2, back to back)] " +
            "[--rate N (2000/s)] [--rate-seconds S (2)] [--out DIR (perf/results)] " +
            "[--only floor,ring,junction-spin,junction-eco,junction-bare,junction-observed,aeron-ipc,aeron-udp,axon," +
            "axon-plain,aeron-udp-netns,axon-netns,axon-plain-netns,tcp,uds,grpc] (the -netns rows need root)";
    }

    /**
     * @param results the run's paths.
     * @return the targets' table under a heading, or nothing when no target's two paths ran.
     */
    static String targetsMarkdown(final List<SuiteReport.PathResult> results)
    {
        final String table = Targets.markdown(results);
        return table.isEmpty() ? "" : "\nTargets, ratios of this run (p50: median of the per-round ratios; p99.9: " +
            "all rounds merged):\n\n" + table;
    }

    /**
     * Call back to back for at least {@code warmup} and at least {@code minCalls} calls (so a slow path is warmed by
     * as many calls as the JIT needs, not only for as long), at most {@link #MAX_WARMUP}.
     */
    static long warmUp(final Probe probe, final Duration warmup, final long minCalls) throws Exception
    {
        final long startNs = System.nanoTime();
        final long minNs = warmup.toNanos();
        final long maxNs = Math.max(minNs, MAX_WARMUP.toNanos());
        long calls = 0;
        long elapsedNs = 0;
        while ((elapsedNs < minNs || calls < minCalls) && elapsedNs < maxNs)
        {
            probe.call();
            calls++;
            elapsedNs = System.nanoTime() - startNs;
        }
        return calls;
    }

    private static Duration seconds(final double s)
    {
        return Duration.ofNanos((long)(s * 1e9));
    }

    /**
     * @return the CPU's model name from {@code /proc/cpuinfo}, else the architecture.
     * @throws IOException when {@code /proc/cpuinfo} cannot be read.
     */
    public static String cpuModel() throws IOException
    {
        final Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo))
        {
            return System.getProperty("os.arch");
        }
        return Arrays.stream(Files.readString(cpuinfo).split("\n"))
            .filter(l -> l.startsWith("model name"))
            .map(l -> l.substring(l.indexOf(':') + 1).trim())
            .findFirst()
            .orElse(System.getProperty("os.arch"));
    }

    /**
     * @param date  the run's date.
     * @param cores cores of the machine.
     * @param cpu   its CPU model name.
     * @return the name results files of that run start with ({@code <date>-<cores>cpu-<cpu model>}).
     */
    public static String resultsBaseName(final java.time.LocalDate date, final int cores, final String cpu)
    {
        return SuiteReport.baseName(date, cores, cpu);
    }

    /**
     * @param value a JSON-ready tree (maps, lists, strings, numbers, booleans, null).
     * @return it as indented JSON, the way the suite writes its results.
     */
    public static String prettyJson(final Object value)
    {
        return SuiteReport.prettyJson(value);
    }

    /**
     * @return the 1, 5 and 15 minute load averages from {@code /proc/loadavg}, or "unknown".
     */
    public static String loadAverage()
    {
        try
        {
            final String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        }
        catch (final IOException | RuntimeException ex)
        {
            return "unknown";
        }
    }

    /**
     * @return whether the 1-minute load average is above half the cores (other work competes with the suite).
     */
    static boolean loadBusy(final String loadAverage, final int cores)
    {
        try
        {
            return Double.parseDouble(loadAverage.split(" ")[0]) > cores / 2.0;
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }

    /**
     * One path's histograms of every round in one mode.
     */
    private static final class Accumulated
    {
        private final Histogram merged = LatencyHarness.newHistogram();
        private final List<Double> p50PerRound = new ArrayList<>();
        private long elapsedNs;
        private int leftOut;

        void add(final Histogram h)
        {
            merged.add(h);
            p50PerRound.add(h.getValueAtPercentile(50) / 1e3);
            elapsedNs += LatencyHarness.elapsedNanos(h);
        }

        void leaveOut()
        {
            p50PerRound.add(null);
            leftOut++;
        }

        SuiteReport.Measured measured(final String mode, final String profile)
        {
            return new SuiteReport.Measured(
                merged.getTotalCount() == 0 ? null : LatencySummary.of(merged, elapsedNs, mode, profile),
                Collections.unmodifiableList(new ArrayList<>(p50PerRound)), leftOut);
        }
    }
}
