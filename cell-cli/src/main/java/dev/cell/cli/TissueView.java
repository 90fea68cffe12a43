package dev.cell.cli;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.ServiceTimes;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.config.TissueTree.Node;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.supervise.Supervisors;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code cell ui} shows of a tissue, sampled again and again by one thread: the tree from its
 * {@code cell.toml}, each cell's and instance slot's state and restarts from its supervisor's {@code status} (the
 * control port, as {@code cell status} asks it), each instance's calls/s, errors/s and p50/p99 service time over a
 * sliding window from its {@code instance.dat} counters (as {@code cell top} reads them), and a list of recent events
 * found by comparing each sample with the one before: exits and restarts, state changes, calls answered with errors,
 * a cell stopped with a reason, the supervisor appearing or going away.
 * <p>
 * Instance states as shown: {@code waiting}, {@code starting}, {@code serving}, {@code restarting} (in back-off
 * after a crash, or starting again after one), {@code hung} (heartbeat older than 2 s, before the supervisor's
 * {@code hung_timeout} acts), {@code dormant}, {@code failed}, {@code stopped}; the supervisor's own word is kept
 * beside it.
 */
final class TissueView
{
    /**
     * Events kept, newest first.
     */
    static final int MAX_EVENTS = 100;

    private static final List<String> WORST_FIRST = List.of("failed", "hung", "restarting", "starting", "waiting",
        "dormant", "stopped", "serving");

    /**
     * One reading of an instance's counters.
     *
     * @param atNanos when (monotonic).
     * @param times   its calls counter and service-time histogram.
     * @param errors  calls answered with a failure or a declared error so far.
     */
    record Counters(long atNanos, ServiceTimes times, long errors)
    {
    }

    /**
     * What one sample read.
     *
     * @param nowMs      wall clock.
     * @param nowNanos   monotonic clock.
     * @param supervisor the supervisor's {@code status} answer, null without one.
     * @param note       why there is no supervisor status, "" when there is one.
     * @param live       per cell its registered live instances.
     * @param counters   per pid its counters now.
     */
    record Inputs(long nowMs, long nowNanos, Map<String, Object> supervisor, String note,
        Map<String, List<Instance>> live, Map<Long, Counters> counters)
    {
    }

    private final TissueTree tree;
    private final Path cellHome;
    private final Path folder;
    private final long windowNanos;
    private final Map<Long, ArrayDeque<Counters>> history = new HashMap<>();
    private final ArrayDeque<Map<String, Object>> events = new ArrayDeque<>();
    private final Map<String, Map<String, Object>> lastRows = new HashMap<>();
    private final Map<String, String> lastReasons = new HashMap<>();
    private final Map<Long, Long> lastErrors = new HashMap<>();
    private String lastSupervisor;
    private long sequence;

    /**
     * @param tree     the tissue.
     * @param cellHome the cell home its instances register under.
     * @param window   how far back rates and percentiles reach.
     */
    TissueView(final TissueTree tree, final Path cellHome, final Duration window)
    {
        this.tree = tree;
        this.cellHome = cellHome;
        this.folder = Supervisors.real(tree.root().dir());
        this.windowNanos = window.toNanos();
    }

    /**
     * Read the supervisor and the instances, and fold the reading into the view.
     *
     * @return the view as JSON-ready maps.
     */
    Map<String, Object> sample()
    {
        return update(read());
    }

    private Inputs read()
    {
        Map<String, Object> status = null;
        String note = "no supervisor running (start the tissue with cell mitosis)";
        final Supervisors.Entry supervisor = Supervisors.forFolder(cellHome, folder);
        if (supervisor != null)
        {
            try
            {
                final String reply = supervisor.send("status");
                if (reply.startsWith("{"))
                {
                    status = Json.parseObject(reply);
                    note = "";
                }
                else
                {
                    note = "supervisor pid " + supervisor.pid() + " answered: " + reply;
                }
            }
            catch (final UserError ex)
            {
                note = ex.getMessage();
            }
        }
        final Instances instances = new Instances(cellHome);
        final Map<String, List<Instance>> live = new LinkedHashMap<>();
        final Map<Long, Counters> counters = new HashMap<>();
        for (final Node n : tree.cells())
        {
            final List<Instance> list = instances.live(n.cell().name());
            live.put(n.cell().name(), list);
            for (final Instance i : list)
            {
                final Path file = i.runDir().resolve(InstanceFile.FILE_NAME);
                final ServiceTimes times = new ServiceTimes();
                if (InstanceFile.readServiceTimes(file, times))
                {
                    counters.put(i.pid(), new Counters(System.nanoTime(), times, InstanceFile.readErrors(file)));
                }
            }
        }
        return new Inputs(System.currentTimeMillis(), System.nanoTime(), status, note, live, counters);
    }

    /**
     * Fold one reading into the view: keep each instance's counters for the window, compare states, restarts and
     * errors with the previous reading, and build what the page shows.
     *
     * @param in what was read.
     * @return the view as JSON-ready maps.
     */
    Map<String, Object> update(final Inputs in)
    {
        in.counters().forEach((pid, c) -> history.computeIfAbsent(pid, p -> new ArrayDeque<>()).addLast(c));
        history.keySet().retainAll(in.counters().keySet());
        lastErrors.keySet().retainAll(in.counters().keySet());
        for (final ArrayDeque<Counters> ring : history.values())
        {
            trim(ring, windowNanos);
        }
        final Map<String, Map<String, Object>> supervised = new HashMap<>();
        if (in.supervisor() != null && in.supervisor().get("cells") instanceof List<?> list)
        {
            for (final Object o : list)
            {
                @SuppressWarnings("unchecked") final Map<String, Object> c = (Map<String, Object>)o;
                supervised.put(String.valueOf(c.get("cell")), c);
            }
        }
        final String supervisorState = in.supervisor() == null ? in.note() :
            "supervisor pid " + in.supervisor().get("supervisorPid");
        if (!supervisorState.equals(lastSupervisor))
        {
            event(in.nowMs(), "supervisor", "", "", lastSupervisor == null ? "watching tissue " + tree.name() + ": " +
                supervisorState : in.supervisor() == null ? "supervisor gone: " + in.note() : supervisorState +
                " is running the tissue");
            lastSupervisor = supervisorState;
        }
        final List<Object> cells = new ArrayList<>();
        final Set<String> keys = new HashSet<>();
        for (final Node n : tree.cells())
        {
            final Map<String, Object> c = cell(in, n, supervised.get(n.cell().name()));
            for (final Object r : (List<?>)c.get("instances"))
            {
                keys.add(String.valueOf(((Map<?, ?>)r).get("key")));
            }
            cells.add(c);
        }
        lastRows.keySet().retainAll(keys); // slots scaled away, unsupervised instances gone
        final Map<String, Object> view = new LinkedHashMap<>();
        view.put("tissue", tree.name());
        view.put("root", tree.root().dir().toString());
        view.put("supervisorPid", in.supervisor() == null ? -1L : in.supervisor().get("supervisorPid"));
        view.put("supervisor", in.supervisor() == null ? in.note() : "running");
        view.put("sampledAtMs", in.nowMs());
        view.put("windowMs", windowNanos / 1_000_000L);
        view.put("tree", node(tree.root(), new HashSet<>()));
        view.put("cells", cells);
        view.put("events", List.copyOf(events));
        return view;
    }

    private Map<String, Object> cell(final Inputs in, final Node n, final Map<String, Object> sup)
    {
        final String name = n.cell().name();
        final List<Instance> live = new ArrayList<>(in.live().getOrDefault(name, List.of()));
        final List<Object> rows = new ArrayList<>();
        if (sup != null && sup.get("instances") instanceof List<?> slots)
        {
            for (final Object o : slots)
            {
                final Map<?, ?> slot = (Map<?, ?>)o;
                final long pid = slot.get("pid") instanceof Number p ? p.longValue() : -1;
                final Instance instance = live.stream().filter(i -> i.pid() == pid).findFirst().orElse(null);
                live.remove(instance);
                rows.add(row(in, name, "replica-" + slot.get("replica"), slot, pid, instance));
            }
        }
        for (final Instance i : live)
        {
            rows.add(row(in, name, "pid-" + i.pid(), null, i.pid(), i));
        }
        final String reason = sup == null ? "" : String.valueOf(sup.get("reason"));
        if (!reason.isEmpty() && !reason.equals(lastReasons.get(name)))
        {
            event(in.nowMs(), "cell", name, "", reason);
        }
        lastReasons.put(name, reason);
        final Map<String, Object> c = new LinkedHashMap<>();
        c.put("cell", name);
        final String supState = sup == null ? "" : String.valueOf(sup.get("state"));
        c.put("state", cellState(supState, rows));
        c.put("supervisorState", supState);
        c.put("reason", reason);
        c.put("replicas", (long)n.replicas());
        c.put("restarts", sup != null && sup.get("restarts") instanceof Number r ? r.longValue() : 0L);
        c.put("instances", rows);
        return c;
    }

    private Map<String, Object> row(final Inputs in, final String cell, final String slotKey, final Map<?, ?> slot,
        final long pid, final Instance instance)
    {
        final String key = cell + "/" + slotKey;
        final String heartbeat = instance == null ? "" : PsCommand.status(instance.heartbeatEpochMs(), in.nowMs());
        final String supState = slot == null ? "" : String.valueOf(slot.get("state"));
        final long restarts = slot != null && slot.get("restarts") instanceof Number r ? r.longValue() : 0L;
        final String state = slot != null ? shown(supState, restarts, "hung".equals(heartbeat)) :
            instance == null ? "stopped" : heartbeat;
        final String label = slot != null && !String.valueOf(slot.get("instance")).isEmpty() ?
            String.valueOf(slot.get("instance")) : instance != null ? instance.instanceId() : "";
        final String lastExit = slot == null ? "" : String.valueOf(slot.get("lastExit"));
        final long recoveryMs = slot != null && slot.get("recoveryMs") instanceof Number r ? r.longValue() : -1L;
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("replica", slot == null ? -1L : slot.get("replica"));
        m.put("instance", label);
        m.put("pid", pid > 0 ? pid : -1L);
        m.put("state", state);
        m.put("supervisorState", supState);
        m.put("restarts", restarts);
        m.put("lastExit", lastExit);
        m.put("recoveryMs", recoveryMs);
        m.put("uptimeMs", instance == null ? -1L : instance.uptime().toMillis());
        rates(m, pid);

        final Map<String, Object> before = lastRows.get(key);
        if (before != null)
        {
            final long restartsBefore = (Long)before.get("restarts");
            if (restarts > restartsBefore || !lastExit.isEmpty() && !lastExit.equals(before.get("lastExit")))
            {
                final String who = String.valueOf(before.get("instance")).isEmpty() ? label :
                    String.valueOf(before.get("instance"));
                event(in.nowMs(), "exit", cell, who, who + " " + (lastExit.isEmpty() ? "exited" : lastExit) +
                    (restarts > restartsBefore ? "; restart " + restarts : ""));
            }
            if (!state.equals(before.get("state")))
            {
                final String was = String.valueOf(before.get("instance"));
                event(in.nowMs(), "state", cell, label, label + (was.isEmpty() || was.equals(label) ? "" :
                    " (replacing " + was + ")") + " " + before.get("state") + " → " + state +
                    ("serving".equals(state) && recoveryMs > 0 && recoveryMs != (Long)before.get("recoveryMs") ?
                    " (replaced " + recoveryMs + " ms after the exit)" : ""));
            }
        }
        lastRows.put(key, m);
        final long errors = (Long)m.get("errors");
        final Long errorsBefore = pid > 0 && errors >= 0 ? lastErrors.put(pid, errors) : null;
        if (errorsBefore != null && errorsBefore >= 0 && errors > errorsBefore)
        {
            final long n = errors - errorsBefore;
            event(in.nowMs(), "errors", cell, label, label + ": " + n + (n == 1 ? " call" : " calls") +
                " answered with an error (" + errors + " in all)");
        }
        return m;
    }

    /**
     * Drop the oldest readings while the next one still reaches back a whole window.
     */
    static void trim(final ArrayDeque<Counters> ring, final long windowNanos)
    {
        while (ring.size() > 2)
        {
            final Counters oldest = ring.removeFirst();
            if (ring.peekLast().atNanos() - ring.peekFirst().atNanos() < windowNanos)
            {
                ring.addFirst(oldest);
                return;
            }
        }
    }

    private void rates(final Map<String, Object> m, final long pid)
    {
        final ArrayDeque<Counters> ring = history.get(pid);
        if (ring == null || ring.isEmpty())
        {
            m.put("calls", -1L);
            m.put("errors", -1L);
            m.put("callsPerSecond", 0.0);
            m.put("errorsPerSecond", 0.0);
            m.put("p50Ns", -1L);
            m.put("p99Ns", -1L);
            return;
        }
        final Counters first = ring.peekFirst();
        final Counters last = ring.peekLast();
        final double seconds = (last.atNanos() - first.atNanos()) / 1e9;
        final boolean span = ring.size() > 1 && seconds > 0;
        m.put("calls", last.times().calls());
        m.put("errors", last.errors());
        m.put("callsPerSecond", span ? (last.times().calls() - first.times().calls()) / seconds : 0.0);
        m.put("errorsPerSecond", span && first.errors() >= 0 && last.errors() >= first.errors() ?
            (last.errors() - first.errors()) / seconds : 0.0);
        m.put("p50Ns", span ? last.times().percentileSince(first.times(), 50.0) : -1L);
        m.put("p99Ns", span ? last.times().percentileSince(first.times(), 99.0) : -1L);
    }

    /**
     * @param supervisorState a slot's state as its supervisor says it.
     * @param restarts        the slot's restarts.
     * @param hung            whether its instance's heartbeat is older than {@link PsCommand#HUNG_AFTER_MS}.
     * @return the state the page shows.
     */
    static String shown(final String supervisorState, final long restarts, final boolean hung)
    {
        if (hung)
        {
            return "hung";
        }
        return switch (supervisorState)
        {
            case "ready" -> "serving";
            case "backoff" -> "restarting";
            case "starting" -> restarts > 0 ? "restarting" : "starting";
            default -> supervisorState;
        };
    }

    /**
     * @param supervisorState the cell's state as its supervisor says it, "" without one.
     * @param rows            its instances as shown.
     * @return the cell's state as shown: what its supervisor says when the cell is failed, stopped, dormant or
     * waiting, else its worst instance's ({@code stopped} with none).
     */
    static String cellState(final String supervisorState, final List<Object> rows)
    {
        if (Set.of("failed", "stopped", "dormant", "waiting").contains(supervisorState))
        {
            return supervisorState;
        }
        int worst = rows.isEmpty() ? WORST_FIRST.indexOf("stopped") : WORST_FIRST.size() - 1;
        for (final Object o : rows)
        {
            final int rank = WORST_FIRST.indexOf(String.valueOf(((Map<?, ?>)o).get("state")));
            worst = Math.min(worst, rank < 0 ? WORST_FIRST.size() - 1 : rank);
        }
        return WORST_FIRST.get(worst);
    }

    private Map<String, Object> node(final Node n, final Set<Node> seen)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("cell", n.cell() == null ? null : n.cell().name());
        if (!seen.add(n))
        {
            m.put("listedAbove", true);
            m.put("children", List.of());
            return m;
        }
        m.put("listedAbove", false);
        final List<Object> children = new ArrayList<>();
        for (final Node c : n.children())
        {
            children.add(node(c, seen));
        }
        m.put("children", children);
        return m;
    }

    private void event(final long atMs, final String kind, final String cell, final String instance,
        final String text)
    {
        final Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", ++sequence);
        e.put("atMs", atMs);
        e.put("kind", kind);
        e.put("cell", cell);
        e.put("instance", instance);
        e.put("text", text);
        events.addFirst(e);
        while (events.size() > MAX_EVENTS)
        {
            events.removeLast();
        }
    }
}
