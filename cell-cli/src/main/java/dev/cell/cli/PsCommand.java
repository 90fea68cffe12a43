package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.client.RaceReport;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.supervise.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cell ps}: the live instances on this host. Reading the registry also removes the entries (and run folders)
 * of instances whose process is gone. An instance that takes remote callers shows its axon endpoint. With
 * {@code --all-hosts}: every host's instances that take remote callers, as this host's registry replica lists them
 * (its agent's view, {@link RegistryView}). With {@code --clients}: this host's racing clients, what instance each
 * stays with and how its calls split ({@link RaceReport}); the table of instances lists them below too.
 *
 * @since 0.1
 */
@Command(
    name = "ps",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = "List the running cell instances on this host: cell, instance, pid, status (serving, starting, " +
        "or hung: no heartbeat for over 2 s), uptime, fingerprint, calls served, latency profile, and the UDP " +
        "endpoint remote callers reach it at (its axon; - when it takes none). With --all-hosts: the instances of " +
        "every host that take remote callers, as this host's registry replica lists them. With --clients: this " +
        "host's racing clients, the instance each stays with and how its calls split.")
final class PsCommand implements Callable<Integer>
{
    /**
     * A serving instance whose heartbeat (written every ~100 ms) is older than this is shown as hung.
     */
    static final long HUNG_AFTER_MS = 2_000;

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    private boolean json;

    @Option(names = "--all-hosts", description = "Every host's instances with an axon, from this host's registry " +
        "view: cell, instance, host, region, axon, fingerprint, identity.")
    private boolean allHosts;

    @Option(names = "--clients", description = "This host's racing clients: the cell each races, the instance it " +
        "stays with, and per instance its share of the last second's calls, cost and reported queue depth.")
    private boolean clients;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        if (allHosts)
        {
            return allHosts(out, CellHome.resolve());
        }
        if (clients)
        {
            return clients(out, CellHome.resolve());
        }
        final Instances instances = new Instances(CellHome.resolve());
        final List<Instance> live = instances.live();
        final Map<String, String> axons = axons(instances);
        final long now = System.currentTimeMillis();
        if (json)
        {
            final List<Object> list = new ArrayList<>();
            for (final Instance i : live)
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("cell", i.cell());
                m.put("instance", i.instanceId());
                m.put("pid", i.pid());
                final long beat = i.heartbeatEpochMs();
                m.put("status", status(beat, now));
                m.put("heartbeatAgeMs", beat > 0 ? now - beat : -1L);
                m.put("startEpochMs", i.startEpochMs());
                m.put("uptimeMs", i.uptime().toMillis());
                m.put("fingerprint", i.fingerprint());
                m.put("calls", i.calls());
                m.put("latency", i.latency());
                m.put("cellDir", String.valueOf(i.cellDir()));
                m.put("axon", axons.get(i.instanceId()));
                list.add(m);
            }
            out.println(Json.write(list));
        }
        else if (live.isEmpty())
        {
            out.println("no cell instances are running on this host (cell home " + instances.cellHome() +
                "); start some with `cell mitosis <dir>`");
        }
        else
        {
            final Table table = new Table("CELL", "INSTANCE", "PID", "STATUS", "UPTIME", "FINGERPRINT", "CALLS",
                "LATENCY", "AXON");
            for (final Instance i : live)
            {
                final long beat = i.heartbeatEpochMs();
                final String status = status(beat, now);
                table.row(i.cell(), i.instanceId(), i.pid(), status.equals("hung") ? "hung (" +
                    Durations.human(java.time.Duration.ofMillis(now - beat)) + ")" : status,
                    Durations.human(i.uptime()), i.fingerprint(), i.calls() < 0 ? "?" : i.calls(), i.latency(),
                    axons.getOrDefault(i.instanceId(), "-"));
            }
            table.print(out);
            if (!RaceReport.read(instances.cellHome()).isEmpty())
            {
                out.println();
                out.println("racing clients (cell ps --clients):");
                clientTable(RaceReport.read(instances.cellHome())).print(out);
            }
        }
        out.flush();
        return CellCommand.EXIT_OK;
    }

    private int clients(final PrintWriter out, final java.nio.file.Path home)
    {
        final List<Map<String, Object>> reports = RaceReport.read(home);
        if (json)
        {
            out.println(Json.write(reports));
        }
        else if (reports.isEmpty())
        {
            out.println("no racing client runs on this host (" + RaceReport.dir(home) + ")");
        }
        else
        {
            clientTable(reports).print(out);
        }
        out.flush();
        return CellCommand.EXIT_OK;
    }

    private static Table clientTable(final List<Map<String, Object>> reports)
    {
        final Table table = new Table("CLIENT", "PID", "CELL", "INSTANCE", "WHERE", "SHARE", "COST", "QUEUE", "");
        for (final Map<String, Object> r : reports)
        {
            if (r.get("instances") instanceof List<?> list)
            {
                for (final Object o : list)
                {
                    final Map<?, ?> i = (Map<?, ?>)o;
                    final boolean current = String.valueOf(i.get("instance")).equals(r.get("current"));
                    table.row(r.get("client"), r.get("pid"), r.get("cell"), i.get("instance"), i.get("where"),
                        String.format(java.util.Locale.ROOT, "%.1f %%", 100 * ((Number)i.get("share")).doubleValue()),
                        i.get("costUs") + " µs", i.get("queueDepth"), (current ? "current" : "") +
                        (Boolean.TRUE.equals(i.get("ejected")) ? " ejected" : ""));
                }
            }
        }
        return table;
    }

    private int allHosts(final PrintWriter out, final java.nio.file.Path home)
    {
        final List<Object> list = new ArrayList<>();
        final Table table = new Table("CELL", "VERSION", "INSTANCE", "HOST", "REGION", "AXON", "CALLS/S", "P99",
            "QUEUE", "FINGERPRINT", "IDENTITY");
        for (final String cell : RegistryView.cells(home))
        {
            for (final RegistryView.Entry e : RegistryView.read(home, cell))
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("cell", cell);
                m.put("version", e.version());
                m.put("instance", e.instanceId());
                m.put("host", e.host());
                m.put("region", e.region());
                m.put("axon", e.axon());
                m.put("fingerprint", e.fingerprint());
                m.put("identity", e.identity());
                m.put("callsPerSecond", (long)e.load().callsPerSecond());
                m.put("p50Us", (long)e.load().p50Us());
                m.put("p99Us", (long)e.load().p99Us());
                m.put("queueDepth", (long)e.load().queueDepth());
                list.add(m);
                table.row(cell, e.version(), e.instanceId(), e.host(), e.region().isEmpty() ? "-" : e.region(), e.axon(),
                    e.load().callsPerSecond(), e.load().p99Us() == 0 ? "-" : e.load().p99Us() + " µs",
                    e.load().queueDepth(), e.fingerprint(), e.identity());
            }
        }
        if (json)
        {
            out.println(Json.write(list));
        }
        else if (list.isEmpty())
        {
            out.println("no instance of any host is listed here: no registry replica runs on this host, or it lists " +
                "no instance with an axon (" + RegistryView.dir(home) + "); `cell ps` shows this host's instances");
        }
        else
        {
            table.print(out);
        }
        out.flush();
        return CellCommand.EXIT_OK;
    }

    /**
     * @param instances this host's instances.
     * @return the axon endpoint of each live instance that has one, by instance id.
     */
    private static Map<String, String> axons(final Instances instances)
    {
        final Map<String, String> axons = new HashMap<>();
        for (final InstanceRecord r : InstanceRegistry.live(instances.cellHome()))
        {
            if (null != r.axon())
            {
                axons.put(r.instanceId(), r.axon());
            }
        }
        return axons;
    }

    /**
     * @param heartbeatEpochMs an instance's last heartbeat, 0 before its first, -1 when unreadable.
     * @param nowMs            now.
     * @return "serving", "hung" (heartbeat older than {@link #HUNG_AFTER_MS}), "starting" (none yet) or "unknown".
     */
    static String status(final long heartbeatEpochMs, final long nowMs)
    {
        if (heartbeatEpochMs < 0)
        {
            return "unknown";
        }
        if (heartbeatEpochMs == 0)
        {
            return "starting";
        }
        return nowMs - heartbeatEpochMs > HUNG_AFTER_MS ? "hung" : "serving";
    }
}
