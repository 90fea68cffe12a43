package dev.cell.cli;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.ServiceTimes;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.supervise.Supervisors;
import dev.cell.tissue.supervise.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code cell top [dir]}: a live table of a tissue's instances (or of every instance on this host), redrawn in place
 * every interval: calls/s, errors/s (failures and declared errors), p50 and p99 service time over the interval
 * (from each instance's {@code instance.dat}), CPU and resident memory (from {@code /proc}), and, where a supervisor
 * runs the tissue, each instance's state and restarts. {@code --once} prints one table after one interval and exits.
 *
 * @since 0.1
 */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "Live table of a tissue's instances (calls/s, errors/s, p50, p99, CPU, memory, state, restarts); " +
        "--once prints one and exits.")
final class TopCommand implements Callable<Integer>
{
    private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "<dir>",
        description = "A tissue or cell folder (default: every instance on this host).")
    private Path dir;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "<duration>",
        description = "Refresh interval (default: ${DEFAULT-VALUE}).")
    private String interval;

    @Option(names = "--once", description = "Print one table after one interval and exit.")
    private boolean once;

    /**
     * One row of the table.
     *
     * @param cell        the cell.
     * @param instance    the instance id.
     * @param pid         its pid.
     * @param state       its state as its supervisor sees it, "" without one.
     * @param callsPerSec calls per second over the interval.
     * @param errorsPerSec calls answered with a failure or a declared error, per second.
     * @param p50Ns       median service time over the interval, -1 when no call.
     * @param p99Ns       99th percentile, -1 when no call.
     * @param cpuPercent  CPU over the interval, % of one core.
     * @param rssBytes    resident memory.
     * @param restarts    restarts of its slot, -1 without a supervisor.
     */
    record Row(String cell, String instance, long pid, String state, double callsPerSec, double errorsPerSec,
        long p50Ns, long p99Ns, double cpuPercent, long rssBytes, long restarts)
    {
    }

    @Override
    public Integer call()
    {
        final Duration every = Durations.parse(interval, "--interval");
        final PrintWriter out = spec.commandLine().getOut();
        final boolean redraw = !once && System.console() != null;
        while (true)
        {
            final List<Row> rows = sample(every);
            if (redraw)
            {
                out.print("\u001b[H\u001b[2J"); // home, clear: redraw in place
            }
            out.print(render(rows));
            out.flush();
            if (once)
            {
                return CellCommand.EXIT_OK;
            }
        }
    }

    private List<Row> sample(final Duration every)
    {
        final Path cellHome = CellHome.resolve();
        final Instances instances = new Instances(cellHome);
        final List<Instance> live = new ArrayList<>();
        Map<Long, Map<?, ?>> supervised = Map.of();
        if (dir != null)
        {
            final TissueTree tree = TissueTree.load(dir);
            tree.cells().forEach(n -> live.addAll(instances.live(n.cell().name())));
            final Supervisors.Entry sup = Supervisors.forFolder(cellHome, Supervisors.real(tree.root().dir()));
            supervised = sup == null ? Map.of() : slots(sup.send("status"));
        }
        else
        {
            live.addAll(instances.live());
        }
        final Map<Long, ServiceTimes> before = new HashMap<>();
        final Map<Long, Long> cpuBefore = new HashMap<>();
        final Map<Long, Long> errorsBefore = new HashMap<>();
        for (final Instance i : live)
        {
            final ServiceTimes t = new ServiceTimes();
            if (InstanceFile.readServiceTimes(i.runDir().resolve(InstanceFile.FILE_NAME), t))
            {
                before.put(i.pid(), t);
            }
            cpuBefore.put(i.pid(), cpuTicks(i.pid()));
            errorsBefore.put(i.pid(), InstanceFile.readErrors(i.runDir().resolve(InstanceFile.FILE_NAME)));
        }
        final long t0 = System.nanoTime();
        LockSupport.parkNanos(every.toNanos());
        final double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
        final List<Row> rows = new ArrayList<>();
        for (final Instance i : live)
        {
            final ServiceTimes now = new ServiceTimes();
            final ServiceTimes then = before.get(i.pid());
            final boolean read = then != null && InstanceFile.readServiceTimes(i.runDir().resolve(
                InstanceFile.FILE_NAME), now);
            final double calls = read ? (now.calls() - then.calls()) / seconds : 0;
            final long cpu = cpuTicks(i.pid()) - cpuBefore.getOrDefault(i.pid(), 0L);
            final long errorsThen = errorsBefore.getOrDefault(i.pid(), -1L);
            final long errorsNow = InstanceFile.readErrors(i.runDir().resolve(InstanceFile.FILE_NAME));
            final double errors = errorsThen < 0 || errorsNow < errorsThen ? 0 : (errorsNow - errorsThen) / seconds;
            final Map<?, ?> slot = supervised.get(i.pid());
            rows.add(new Row(i.cell(), i.instanceId(), i.pid(), slot == null ? "" : String.valueOf(slot.get("state")),
                calls, errors, read ? now.percentileSince(then, 50.0) : -1, read ? now.percentileSince(then, 99.0) : -1,
                cpu < 0 ? 0 : 100.0 * cpu / CLOCK_TICKS_PER_SECOND / seconds, rss(i.pid()),
                slot == null ? -1 : ((Number)slot.get("restarts")).longValue()));
        }
        return rows;
    }

    /**
     * @param rows the instances.
     * @return the table as printed.
     */
    static String render(final List<Row> rows)
    {
        final Table table = new Table("CELL", "INSTANCE", "PID", "STATE", "CALLS/S", "ERR/S", "P50", "P99", "CPU%",
            "RSS", "RESTARTS");
        for (final Row r : rows)
        {
            table.row(r.cell(), r.instance(), r.pid(), r.state().isEmpty() ? "-" : r.state(),
                String.format(Locale.ROOT, "%.1f", r.callsPerSec()), String.format(Locale.ROOT, "%.1f",
                r.errorsPerSec()), micros(r.p50Ns()), micros(r.p99Ns()),
                String.format(Locale.ROOT, "%.1f", r.cpuPercent()), mebibytes(r.rssBytes()),
                r.restarts() < 0 ? "-" : Long.toString(r.restarts()));
        }
        final StringWriter s = new StringWriter();
        table.print(new PrintWriter(s));
        return rows.isEmpty() ? s + "(no live instance)\n" : s.toString();
    }

    private static String micros(final long ns)
    {
        return ns < 0 ? "-" : String.format(Locale.ROOT, "%.1fus", ns / 1000.0);
    }

    private static String mebibytes(final long bytes)
    {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.0fMiB", bytes / (double)(1 << 20));
    }

    private static Map<Long, Map<?, ?>> slots(final String statusJson)
    {
        final Map<Long, Map<?, ?>> byPid = new HashMap<>();
        if (!statusJson.startsWith("{"))
        {
            return byPid;
        }
        if (Json.parseObject(statusJson).get("cells") instanceof List<?> cells)
        {
            for (final Object c : cells)
            {
                if (((Map<?, ?>)c).get("instances") instanceof List<?> list)
                {
                    for (final Object i : list)
                    {
                        if (((Map<?, ?>)i).get("pid") instanceof Number pid)
                        {
                            byPid.put(pid.longValue(), (Map<?, ?>)i);
                        }
                    }
                }
            }
        }
        return byPid;
    }

    private static long cpuTicks(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    private static long rss(final long pid)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        return -1;
    }
}
