package dev.cell.cli;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.ServiceTimes;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.Resources;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.config.TissueTree.Node;
import dev.cell.tissue.launch.Cgroups;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.supervise.ReplicaGroup;
import dev.cell.tissue.supervise.Supervisors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code cell status [dir]}: the tissue's tree with each cell's state and restarts, its resources and whether they
 * are enforced, and each instance's state, calls per second and p99 service time (sampled over
 * {@code --interval} from the counters in the instance's {@code instance.dat}). A stateful cell's replica group
 * comes from its replicas' reports ({@link ReplicaGroup}): a cell whose processes run but whose group has no leader
 * known to a majority is "unavailable", never "ready".
 *
 * @since 0.1
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Show a tissue as a tree: per cell its state (waiting, starting, ready, backoff, dormant, failed, stopped), " +
            "restarts, resources (and whether each is enforced), and per instance its pid, calls/s and p99 " +
            "handler time over the sampling interval.",
        "The state comes from the tissue's supervisor (the cell mitosis that runs it); without one, from the " +
            "instances registered on this host.",
        "A stateful cell also shows its replica group: per replica its role, term, commit and applied index and " +
            "lag behind the leader; the group (and the cell) is 'ready' only while a leader is known to a " +
            "majority in reports under 3 s old, else 'unavailable'."
    })
final class StatusCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<dir>", defaultValue = ".",
        description = "Tissue or cell folder (default: the current folder).")
    private Path dir;

    @Option(names = "--interval", defaultValue = "1s", paramLabel = "<duration>",
        description = "How long to sample calls/s and p99 (default: ${DEFAULT-VALUE}).")
    private String interval;

    @Option(names = "--json", description = "Print JSON instead of the tree.")
    private boolean json;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Path cellHome = CellHome.resolve();
        final TissueTree tree = TissueTree.load(dir);
        final Path folder = StopCommand.configFolder(tree.root().dir().toString());
        final Supervisors.Entry supervisor = folder == null ? null : Supervisors.forFolder(cellHome, folder);
        final Map<String, Map<String, Object>> supervised = new HashMap<>();
        Map<String, Object> sup = null;
        if (supervisor != null)
        {
            final String reply = supervisor.send("status");
            if (reply.startsWith("{"))
            {
                sup = Json.parseObject(reply);
                if (sup.get("cells") instanceof List<?> cells)
                {
                    for (final Object c : cells)
                    {
                        @SuppressWarnings("unchecked") final Map<String, Object> m = (Map<String, Object>)c;
                        supervised.put((String)m.get("cell"), m);
                    }
                }
            }
        }
        final Instances instances = new Instances(cellHome);
        final Map<String, List<Instance>> live = new LinkedHashMap<>();
        for (final Node n : tree.cells())
        {
            live.put(n.cell().name(), instances.live(n.cell().name()));
        }
        final Map<Long, Sample> samples = sample(live, Durations.parse(interval, "--interval"));

        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("tissue", tree.name());
        result.put("root", tree.root().dir().toString());
        result.put("supervisorPid", supervisor == null ? -1L : supervisor.pid());
        result.put("cgroups", sup == null ? Cgroups.detect().name().toLowerCase(Locale.ROOT) : sup.get("cgroups"));
        final List<Object> cells = new ArrayList<>();
        for (final Node n : tree.cells())
        {
            cells.add(cellStatus(n, supervised.get(n.cell().name()), live.get(n.cell().name()), samples));
        }
        result.put("cells", cells);
        if (json)
        {
            out.println(Json.write(result));
        }
        else
        {
            out.println("tissue " + tree.name() + " (" + tree.root().dir() + ")  " + (supervisor == null ?
                "no supervisor running" : "supervisor pid " + supervisor.pid()) + ", cgroups " +
                result.get("cgroups"));
            final Map<String, Map<String, Object>> byName = new HashMap<>();
            for (final Object c : cells)
            {
                @SuppressWarnings("unchecked") final Map<String, Object> m = (Map<String, Object>)c;
                byName.put((String)m.get("cell"), m);
            }
            printTree(out, tree.root(), "", true, byName, new HashSet<>(), true);
        }
        out.flush();
        return CellCommand.EXIT_OK;
    }

    private static Map<String, Object> cellStatus(final Node n, final Map<String, Object> sup,
        final List<Instance> live, final Map<Long, Sample> samples)
    {
        final Map<String, Object> c = new LinkedHashMap<>();
        c.put("cell", n.cell().name());
        c.put("replicas", (long)n.replicas());
        c.put("state", sup != null ? sup.get("state") : live.isEmpty() ? "not running" : "running (unsupervised)");
        c.put("reason", sup != null ? sup.get("reason") : "");
        c.put("restarts", sup != null ? sup.get("restarts") : 0L);
        c.put("coldStartMs", sup != null && sup.get("coldStartMs") != null ? sup.get("coldStartMs") : -1L);
        if (sup != null && sup.get("resources") instanceof Map<?, ?> res && !res.isEmpty())
        {
            c.put("resources", res);
        }
        else
        {
            final Map<String, Object> res = new LinkedHashMap<>();
            for (final Resources.Kind k : Resources.Kind.values())
            {
                final Resources.Range r = n.resources().get(k);
                if (r != null)
                {
                    final Map<String, Object> e = new LinkedHashMap<>();
                    e.put("min", r.min() < 0 ? "" : k.format(r.min()));
                    e.put("max", r.max() < 0 ? "" : k.format(r.max()));
                    e.put("enforcement", "unknown: not started by a running cell mitosis");
                    e.put("enforced", false);
                    res.put(k.key(), e);
                }
            }
            c.put("resources", res);
        }
        final Map<Long, Map<String, Object>> supSlots = new HashMap<>();
        final List<Object> instances = new ArrayList<>();
        if (sup != null && sup.get("instances") instanceof List<?> slots)
        {
            for (final Object o : slots)
            {
                @SuppressWarnings("unchecked") final Map<String, Object> m = (Map<String, Object>)o;
                final long pid = m.get("pid") instanceof Long p ? p : -1;
                if (pid > 0)
                {
                    supSlots.put(pid, m);
                }
                else
                {
                    final Map<String, Object> i = new LinkedHashMap<>(m);
                    i.put("callsPerSecond", 0.0);
                    i.put("p99Ns", -1L);
                    instances.add(i);
                }
            }
        }
        for (final Instance i : live)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            final Map<String, Object> slot = supSlots.get(i.pid());
            m.put("instance", i.instanceId());
            m.put("pid", i.pid());
            // A frozen instance still looks "ready" to a supervisor that has not reached its hung_timeout yet.
            final boolean hung = "hung".equals(PsCommand.status(i.heartbeatEpochMs(), System.currentTimeMillis()));
            m.put("state", hung ? "hung" : slot != null ? slot.get("state") : "running");
            m.put("restarts", slot != null ? slot.get("restarts") : 0L);
            m.put("lastExit", slot != null ? slot.get("lastExit") : "");
            m.put("recoveryMs", slot != null && slot.get("recoveryMs") != null ? slot.get("recoveryMs") : -1L);
            m.put("calls", i.calls());
            final Sample s = samples.get(i.pid());
            m.put("callsPerSecond", s == null ? 0.0 : s.callsPerSecond);
            m.put("p99Ns", s == null ? -1L : s.p99Ns);
            m.put("uptimeMs", i.uptime().toMillis());
            instances.add(m);
        }
        c.put("instances", instances);
        if (stateful(n))
        {
            final ReplicaGroup group = ReplicaGroup.read(n.cell().dir(), n.replicas(), System.currentTimeMillis());
            c.put("group", group.toMap());
            final Object state = c.get("state");
            if (!group.state().equals("ready") && ("ready".equals(state) || "running (unsupervised)".equals(state)))
            {
                // The processes run, but no write can commit: say so instead of "ready".
                c.put("state", group.state());
                if (String.valueOf(c.get("reason")).isEmpty())
                {
                    c.put("reason", "replica group " + group.state() + ": " + group.reason());
                }
            }
        }
        return c;
    }

    /**
     * @param n a cell.
     * @return true when its {@code cell.toml} has a {@code [state]} table (a replicated, stateful cell).
     */
    static boolean stateful(final Node n)
    {
        return n.cell().declaresState();
    }

    private record Sample(double callsPerSecond, long p99Ns)
    {
    }

    private static Map<Long, Sample> sample(final Map<String, List<Instance>> live, final Duration interval)
    {
        final Map<Long, ServiceTimes> first = new HashMap<>();
        final Map<Long, Path> files = new HashMap<>();
        for (final List<Instance> list : live.values())
        {
            for (final Instance i : list)
            {
                InstanceRegistry.live(CellHome.resolve(), i.cell()).stream()
                    .filter(r -> r.pid() == i.pid())
                    .findFirst()
                    .ifPresent(r -> files.put(i.pid(), r.runDir().resolve(InstanceFile.FILE_NAME)));
            }
        }
        for (final Map.Entry<Long, Path> e : files.entrySet())
        {
            final ServiceTimes t = new ServiceTimes();
            if (InstanceFile.readServiceTimes(e.getValue(), t))
            {
                first.put(e.getKey(), t);
            }
        }
        final long t0 = System.nanoTime();
        if (!first.isEmpty())
        {
            LockSupport.parkNanos(interval.toNanos());
        }
        final double seconds = Math.max(1e-3, (System.nanoTime() - t0) / 1e9);
        final Map<Long, Sample> result = new HashMap<>();
        for (final Map.Entry<Long, ServiceTimes> e : first.entrySet())
        {
            final ServiceTimes now = new ServiceTimes();
            if (InstanceFile.readServiceTimes(files.get(e.getKey()), now))
            {
                final long calls = now.calls() - e.getValue().calls();
                long p99 = now.percentileSince(e.getValue(), 99.0);
                if (p99 < 0)
                {
                    p99 = now.percentileSince(null, 99.0);
                }
                result.put(e.getKey(), new Sample(calls / seconds, p99));
            }
        }
        return result;
    }

    private static void printTree(final PrintWriter out, final Node node, final String indent, final boolean last,
        final Map<String, Map<String, Object>> cells, final Set<Node> seen, final boolean top)
    {
        final String branch = top ? "" : last ? "└─ " : "├─ ";
        final String childIndent = top ? "" : indent + (last ? "   " : "│  ");
        if (!seen.add(node))
        {
            out.println(indent + branch + node.name() + " (listed above)");
            return;
        }
        final List<String> lines = new ArrayList<>();
        if (node.cell() != null)
        {
            final Map<String, Object> c = cells.get(node.cell().name());
            out.println(indent + branch + node.cell().name() + "  " + c.get("state") + "  replicas " +
                c.get("replicas") + "  restarts " + c.get("restarts") + resources(c) +
                (String.valueOf(c.get("reason")).isEmpty() ? "" : "\n" + childIndent + "   ! " + c.get("reason")));
            if (c.get("group") instanceof Map<?, ?> group)
            {
                lines.add("group " + group.get("state") + (String.valueOf(group.get("leader")).isEmpty() ? "" :
                    "  leader " + group.get("leader") + "  term " + group.get("term")) + "  members " +
                    group.get("members"));
                if (group.get("replicas") instanceof List<?> replicas)
                {
                    for (final Object o : replicas)
                    {
                        final Map<?, ?> r = (Map<?, ?>)o;
                        final long lag = r.get("lag") instanceof Long l ? l : -1;
                        lines.add("replica " + r.get("peer") + "  " + String.valueOf(r.get("role"))
                            .toLowerCase(Locale.ROOT) + "  term " + known(r.get("term")) + "  commit " +
                            known(r.get("commitIndex")) + "  applied " + known(r.get("appliedIndex")) + "  lag " +
                            (lag < 0 ? "?" : Long.toString(lag)));
                    }
                }
            }
            if (c.get("instances") instanceof List<?> list)
            {
                for (final Object o : list)
                {
                    @SuppressWarnings("unchecked") final Map<String, Object> i = (Map<String, Object>)o;
                    final long p99 = i.get("p99Ns") instanceof Long p ? p : -1;
                    lines.add(i.get("instance") + "  " + i.get("state") + "  pid " + i.get("pid") + "  restarts " +
                        i.get("restarts") + "  calls/s " + String.format(Locale.ROOT, "%.1f",
                        ((Number)i.get("callsPerSecond")).doubleValue()) + "  p99 " +
                        (p99 < 0 ? "-" : nanos(p99)) +
                        (String.valueOf(i.get("lastExit")).isEmpty() ? "" : "  last exit: " + i.get("lastExit")));
                }
            }
        }
        else
        {
            out.println(indent + branch + node.name() + "/");
        }
        final int total = lines.size() + node.children().size();
        int k = 0;
        for (final String line : lines)
        {
            k++;
            out.println(childIndent + (k == total ? "└─ " : "├─ ") + line);
        }
        for (final Node child : node.children())
        {
            k++;
            printTree(out, child, childIndent, k == total, cells, seen, false);
        }
    }

    private static String known(final Object value)
    {
        return value instanceof Long l && l >= 0 ? Long.toString(l) : "?";
    }

    private static String resources(final Map<String, Object> c)
    {
        if (!(c.get("resources") instanceof Map<?, ?> res) || res.isEmpty())
        {
            return "";
        }
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<?, ?> e : res.entrySet())
        {
            final Map<?, ?> r = (Map<?, ?>)e.getValue();
            sb.append("  ").append(e.getKey());
            if (!String.valueOf(r.get("min")).isEmpty())
            {
                sb.append(" min ").append(r.get("min"));
            }
            if (!String.valueOf(r.get("max")).isEmpty())
            {
                sb.append(" max ").append(r.get("max"));
            }
            sb.append("gpu".equals(e.getKey()) ? " (" + r.get("enforcement") + (r.get("usage") instanceof String u &&
                !u.isEmpty() ? "; now " + u : "") + ")" :
                Boolean.TRUE.equals(r.get("enforced")) ? " (enforced)" : " (NOT enforced: " +
                String.valueOf(r.get("enforcement")).replaceFirst("^not enforced: ", "") + ")");
        }
        return sb.toString();
    }

    static String nanos(final long ns)
    {
        if (ns >= 1_000_000)
        {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        if (ns >= 1_000)
        {
            return String.format(Locale.ROOT, "%.1f µs", ns / 1e3);
        }
        return ns + " ns";
    }
}
