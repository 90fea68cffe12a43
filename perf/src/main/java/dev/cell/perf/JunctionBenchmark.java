package dev.cell.perf;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.launch.JvmCommand;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Round-trip time of a small call over a junction, in both idle profiles, next to a raw two-process Agrona ring
 * ping-pong measured in the same run, plus the CPU an idle {@code eco} instance uses. Run with {@code ./cell perf}.
 * <p>
 * The paths run in {@code rounds} interleaved rounds; in each, every path gets a fresh peer process, {@code warmup}
 * round trips, then {@code count / rounds} recorded into an HdrHistogram. One request is outstanding at a time (back
 * to back), so this is latency, not throughput. The ratio to the raw ring is the median of the per-round ratios.
 */
public final class JunctionBenchmark
{

    private static final int AFTER_IDLE_CALLS = 200;
    private static final int AFTER_IDLE_MS = 20;

    private JunctionBenchmark()
    {
    }

    /**
     * @param args {@code [--warmup N] [--count N] [--rounds N] [--idle-seconds S] [--json FILE]}.
     * @throws Exception when a child cannot be started or a call fails.
     */
    public static void main(final String[] args) throws Exception
    {
        int warmup = 50_000;
        int count = 500_000;
        int rounds = 5;
        int idleSeconds = 10;
        Path json = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--count" -> count = Integer.parseInt(args[++i]);
                case "--idle-seconds" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--json" -> json = Path.of(args[++i]);
                default -> throw new IllegalArgumentException(
                    "unknown option " + args[i] + "; use --warmup N --count N --rounds N --idle-seconds S --json FILE");
            }
        }

        final Path work = Files.createTempDirectory("cell-perf-");
        final Map<String, Object> report = new LinkedHashMap<>();
        report.put("machine", machine());
        report.put("warmup", warmup);
        report.put("count", count);
        final Map<String, Map<String, Object>> paths = new LinkedHashMap<>();

        System.out.printf("machine: %s%n", report.get("machine"));
        System.out.printf("%-34s %9s %9s %9s %9s %9s  %s%n", "path", "p50 us", "p90 us", "p99 us",
            "p99.9 us", "max us", "p50 / raw ring p50 (median of rounds)");

        // Rounds interleave the paths so drift on a shared machine hits all of them alike; only one process spins
        // per side at any time (the ponger and the spin instance are never alive together).
        final Histogram raw = new Histogram(10_000_000_000L, 3);
        final Histogram spin = new Histogram(10_000_000_000L, 3);
        final Histogram eco = new Histogram(10_000_000_000L, 3);
        final List<Double> spinRatios = new ArrayList<>();
        final List<Double> ecoRatios = new ArrayList<>();
        final int perRound = Math.max(1, count / rounds);
        for (int round = 0; round < rounds; round++)
        {
            final Histogram r = rawRing(work, warmup, perRound);
            final Histogram s = junction(work, IdleProfile.SPIN, warmup, perRound, 0, report);
            final Histogram e = junction(work, IdleProfile.ECO, warmup, perRound,
                round == rounds - 1 ? idleSeconds : 0, report);
            spinRatios.add((double)s.getValueAtPercentile(50) / r.getValueAtPercentile(50));
            ecoRatios.add((double)e.getValueAtPercentile(50) / r.getValueAtPercentile(50));
            raw.add(r);
            spin.add(s);
            eco.add(e);
        }
        paths.put("raw-ring-spin", row("raw Agrona ring, 2 processes, spin", raw, 1.0));
        paths.put("junction-spin", row("Cell junction call, spin", spin, median(spinRatios)));
        paths.put("junction-eco", row("Cell junction call, eco", eco, median(ecoRatios)));
        final Histogram woken = (Histogram)report.remove("ecoAfterIdle");
        paths.put("junction-eco-after-idle", row("eco, first call after 20 ms idle", woken,
            (double)woken.getValueAtPercentile(50) / raw.getValueAtPercentile(50)));
        report.put("paths", paths);
        report.put("rounds", rounds);
        report.put("spinP50RatioPerRound", round2(spinRatios));

        System.out.printf("junction spin p50 / raw ring p50, per round: %s%n", round2(spinRatios));
        System.out.printf("idle eco instance: %.2f %% of one core over %d s%n", report.get("idleEcoCpuPercent"),
            idleSeconds);
        if (json != null)
        {
            Files.createDirectories(json.toAbsolutePath().getParent());
            Files.writeString(json, Json.write(report) + "\n");
            System.out.println("report written to " + json);
        }
    }

    private static double median(final List<Double> values)
    {
        final List<Double> sorted = values.stream().sorted().toList();
        final int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static List<Double> round2(final List<Double> values)
    {
        return values.stream().map(v -> Math.round(v * 100) / 100.0).toList();
    }

    private static Map<String, Object> row(final String name, final Histogram h, final double ratio)
    {
        System.out.printf(Locale.ROOT, "%-34s %9.2f %9.2f %9.2f %9.2f %9.2f  %.2fx%n", name, us(h, 50), us(h, 90),
            us(h, 99), us(h, 99.9), h.getMaxValue() / 1000.0, ratio);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("p50Us", us(h, 50));
        m.put("p90Us", us(h, 90));
        m.put("p99Us", us(h, 99));
        m.put("p999Us", us(h, 99.9));
        m.put("maxUs", h.getMaxValue() / 1000.0);
        m.put("p50RatioToRawRing", Math.round(ratio * 100) / 100.0);
        return m;
    }

    private static double us(final Histogram h, final double percentile)
    {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static Histogram rawRing(final Path work, final int warmup, final int count) throws Exception
    {
        final Path file = work.resolve("raw.ring");
        final Process ponger = start(work, List.of(RingPingPong.Ponger.class.getName(), file.toString()), Map.of());
        try
        {
            awaitLine(ponger, "ready");
            return RingPingPong.ping(file, warmup, count);
        }
        finally
        {
            if (!ponger.waitFor(10, TimeUnit.SECONDS))
            {
                ponger.destroyForcibly();
            }
        }
    }

    private static Histogram junction(
        final Path work,
        final IdleProfile profile,
        final int warmup,
        final int count,
        final int idleSeconds,
        final Map<String, Object> report) throws Exception
    {
        final String name = profile.name().toLowerCase(Locale.ROOT);
        final Path cellDir = Files.createDirectories(work.resolve("echo-" + name));
        final Path home = work.resolve("home-" + name);
        final Process instance = start(work, List.of("dev.cell.runtime.service.CellMain",
            "--cell-dir", cellDir.toString(), "--cell", "echo", "--latency", name),
            Map.of("CELL_HOME", home.toString()));
        try
        {
            final ClientOptions options = ClientOptions.defaults()
                .withCellHome(home)
                .withIdleProfile(profile)
                .withConnectTimeout(Duration.ofSeconds(30))
                .withClientName("junction-benchmark");
            final Histogram histogram = new Histogram(10_000_000_000L, 3);
            try (EchoClient client = EchoClient.connect(options))
            {
                final Ping ping = new Ping(1, 2, 3, 4);
                for (int i = 0; i < warmup; i++)
                {
                    client.echo(ping);
                }
                for (int i = 0; i < count; i++)
                {
                    final long startNs = System.nanoTime();
                    client.echo(ping);
                    histogram.recordValue(System.nanoTime() - startNs);
                }
                if (idleSeconds > 0)
                {
                    // The price of eco: both sides went to sleep on their futex, the call has to wake them.
                    final Histogram woken = new Histogram(10_000_000_000L, 3);
                    for (int i = 0; i < AFTER_IDLE_CALLS; i++)
                    {
                        Thread.sleep(AFTER_IDLE_MS);
                        final long startNs = System.nanoTime();
                        client.echo(ping);
                        woken.recordValue(System.nanoTime() - startNs);
                    }
                    report.put("ecoAfterIdle", woken);
                }
            }
            if (idleSeconds > 0)
            {
                final long before = cpuTicks(instance.pid());
                final long startNs = System.nanoTime();
                instance.waitFor(idleSeconds, TimeUnit.SECONDS);
                final long ticks = cpuTicks(instance.pid()) - before;
                final double seconds = (System.nanoTime() - startNs) / 1e9;
                report.put("idleEcoCpuPercent", Math.round(ticks / 100.0 / seconds * 100 * 100) / 100.0);
            }
            return histogram;
        }
        finally
        {
            instance.destroy();
            if (!instance.waitFor(10, TimeUnit.SECONDS))
            {
                instance.destroyForcibly();
            }
        }
    }

    /**
     * utime + stime of a process in clock ticks (USER_HZ, 100 on Linux).
     */
    private static long cpuTicks(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static Process start(final Path work, final List<String> mainAndArgs, final Map<String, String> env)
        throws IOException
    {
        final ProcessBuilder builder = JvmCommand.java().ownClassPath().main(mainAndArgs.getFirst())
            .args(mainAndArgs.subList(1, mainAndArgs.size())).processBuilder().directory(work.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(env);
        return builder.start();
    }

    private static void awaitLine(final Process process, final String line) throws IOException
    {
        final BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String l;
        while ((l = reader.readLine()) != null)
        {
            if (l.equals(line))
            {
                return;
            }
        }
        throw new IOException("child exited before printing '" + line + "'");
    }

    private static String machine() throws IOException
    {
        String cpu = "unknown cpu";
        final Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo))
        {
            cpu = Arrays.stream(Files.readString(cpuinfo).split("\n"))
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim())
                .findFirst()
                .orElse(cpu);
        }
        return Runtime.getRuntime().availableProcessors() + " cpus, " + cpu + ", " + System.getProperty("os.name") +
            " " + System.getProperty("os.version") + ", JDK " + Runtime.version();
    }
}
