package dev.cell.tissue.observe;

import dev.cell.ring.CountersSnapshot;
import dev.cell.ring.InstanceFile;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.HandlerSlots;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.config.TissueTree.Node;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.supervise.ReplicaGroup;
import dev.cell.tissue.supervise.Supervisors;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What a tissue's scrape endpoint reports, read fresh on every scrape: each live instance's counters from its
 * {@code instance.dat} (no port per instance: the supervisor maps the files its instances already keep), each
 * cell's state and restarts as its supervisor knows them, and, for stateful cells, each replica's Raft state from the
 * reports the replicas leave in their cell folder ({@link ReplicaGroup}).
 * <p>
 * Metric names start with {@code cell_}; labels are {@code cell}, {@code instance} (the instance id) and
 * {@code handler}. Prometheus puts its own {@code instance} label (the scraped target) on every series and renames
 * an exported one to {@code exported_instance} unless the scrape job sets {@code honor_labels: true}.
 * <p>
 * <b>Note:</b> thread safe (each scrape builds its own snapshots; the handler-name cache is concurrent).
 *
 * @since 0.1
 */
public final class TissueMetrics implements MultiCollector
{
    private static final List<String> RAFT_ROLES = List.of("LEADER", "FOLLOWER", "CANDIDATE", "LISTENER", "unknown");

    private final TissueTree tree;
    private final Instances instances;
    private final Supplier<Map<String, Object>> status;
    private final List<String> states;
    private final Map<Path, Names> names = new ConcurrentHashMap<>();

    private record Names(long fingerprint, List<String> handlers)
    {
    }

    /**
     * @param tree     the tissue.
     * @param cellHome where its instances register.
     * @param status   the supervisor's status (as {@code status} on its control port answers), or null without one.
     * @param states   every state a cell can be in, as the status names them.
     */
    public TissueMetrics(final TissueTree tree, final Path cellHome, final Supplier<Map<String, Object>> status,
        final List<String> states)
    {
        this.tree = tree;
        this.instances = new Instances(cellHome);
        this.status = status;
        this.states = List.copyOf(states);
    }

    @Override
    public MetricSnapshots collect()
    {
        final long nowMs = System.currentTimeMillis();
        final List<MetricSnapshot> out = new ArrayList<>();
        out.add(InfoSnapshot.builder().name("cell_tissue").help("The tissue this endpoint reports on.")
            .dataPoint(InfoDataPointSnapshot.builder().labels(Labels.of("tissue", tree.name())).build()).build());
        final InstanceMetrics metrics = new InstanceMetrics();
        final CountersSnapshot counters = new CountersSnapshot();
        for (final Node n : tree.cells())
        {
            final Path cellDir = Supervisors.real(n.cell().dir());
            final Set<String> seen = new HashSet<>();
            for (final Instance i : instances.live(n.cell().name()))
            {
                if (i.cellDir() != null && !Supervisors.real(i.cellDir()).equals(cellDir))
                {
                    continue; // the same name run from another folder: not this tissue's
                }
                if (!seen.add(i.instanceId()))
                {
                    continue; // a second entry under one id would repeat its label set
                }
                if (counters.read(i.runDir().resolve(InstanceFile.FILE_NAME)))
                {
                    metrics.add(n.cell().name(), i.instanceId(), i.latency(), counters,
                        handlerNames(i.runDir(), counters.fingerprint()), nowMs);
                }
            }
        }
        out.addAll(metrics.build());
        if (status != null)
        {
            cells(status.get(), out);
        }
        raft(nowMs, out);
        return new MetricSnapshots(out);
    }

    /**
     * @return the handler names of an instance's slots from the genome in its run folder, null when it has none
     * for this fingerprint (an instance of an older Cell, or one starting).
     */
    private List<String> handlerNames(final Path runDir, final long fingerprint)
    {
        final Names cached = names.get(runDir);
        if (cached != null && cached.fingerprint() == fingerprint)
        {
            return cached.handlers();
        }
        try
        {
            final Genome g = Genome.fromJson(Files.readString(runDir.resolve(HandlerSlots.GENOME_FILE),
                StandardCharsets.UTF_8));
            if (g.fingerprintValue() != fingerprint)
            {
                return null;
            }
            final List<String> handlers = HandlerSlots.names(g);
            if (new HashSet<>(handlers).size() != handlers.size() || handlers.contains(HandlerSlots.OTHER) ||
                handlers.stream().anyMatch(h -> h.startsWith("slot-")))
            {
                return null; // two slots would get one label set, and the scrape would be refused
            }
            if (names.size() > 4096)
            {
                names.clear(); // run folders of instances long gone
            }
            names.put(runDir, new Names(fingerprint, handlers));
            return handlers;
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
    }

    private void cells(final Map<String, Object> m, final List<MetricSnapshot> out)
    {
        if (!(m.get("cells") instanceof List<?> cells) || cells.isEmpty())
        {
            return;
        }
        final StateSetSnapshot.Builder state = StateSetSnapshot.builder().name("cell_cell_state")
            .help("Each cell's state as its supervisor sees it.");
        final CounterSnapshot.Builder restarts = CounterSnapshot.builder().name("cell_cell_restarts")
            .help("Restarts of a cell's instances after crashes, since the supervisor started.");
        final GaugeSnapshot.Builder running = GaugeSnapshot.builder().name("cell_cell_instances")
            .help("Instances of a cell its supervisor has running (ready).");
        for (final Object o : cells)
        {
            if (!(o instanceof Map<?, ?> c))
            {
                continue;
            }
            final Labels labels = Labels.of("cell", String.valueOf(c.get("cell")));
            final String current = String.valueOf(c.get("state"));
            final StateSetDataPointSnapshot.Builder point = StateSetDataPointSnapshot.builder().labels(labels);
            for (final String s : states)
            {
                point.state(s, s.equals(current));
            }
            if (!states.contains(current))
            {
                point.state(current, true);
            }
            state.dataPoint(point.build());
            restarts.dataPoint(CounterDataPointSnapshot.builder().labels(labels)
                .value(c.get("restarts") instanceof Long r ? r : 0).build());
            long ready = 0;
            if (c.get("instances") instanceof List<?> slots)
            {
                for (final Object s : slots)
                {
                    if (s instanceof Map<?, ?> slot && "ready".equals(slot.get("state")))
                    {
                        ready++;
                    }
                }
            }
            running.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(ready).build());
        }
        out.add(state.build());
        out.add(restarts.build());
        out.add(running.build());
    }

    private void raft(final long nowMs, final List<MetricSnapshot> out)
    {
        final StateSetSnapshot.Builder role = StateSetSnapshot.builder().name("cell_raft_role")
            .help("Each replica's Raft role, from its latest report (unknown: none in the last 3 s).");
        final GaugeSnapshot.Builder term = gauge("cell_raft_term", "Each replica's Raft term.");
        final GaugeSnapshot.Builder commit = gauge("cell_raft_commit_index", "Each replica's commit index.");
        final GaugeSnapshot.Builder applied = gauge("cell_raft_applied_index", "Each replica's applied index.");
        final GaugeSnapshot.Builder lag = gauge("cell_raft_lag",
            "Entries a replica has yet to apply: the leader's commit index minus its applied index.");
        final GaugeSnapshot.Builder age = GaugeSnapshot.builder().name("cell_raft_report_age_seconds")
            .unit(Unit.SECONDS).help("Age of each replica's latest Raft report.");
        final GaugeSnapshot.Builder ready = gauge("cell_raft_group_ready",
            "1 when the group has a leader a majority follows (it can commit writes), else 0.");
        boolean any = false;
        for (final Node n : tree.cells())
        {
            if (!n.cell().declaresState())
            {
                continue;
            }
            any = true;
            final ReplicaGroup g = ReplicaGroup.read(n.cell().dir(), n.replicas(), nowMs);
            final String cell = n.cell().name();
            ready.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("cell", cell))
                .value("ready".equals(g.state()) ? 1 : 0).build());
            for (final ReplicaGroup.Replica r : g.replicas())
            {
                final Labels labels = Labels.of("cell", cell, "replica", r.peer());
                final StateSetDataPointSnapshot.Builder point = StateSetDataPointSnapshot.builder().labels(labels);
                for (final String s : RAFT_ROLES)
                {
                    point.state(s, s.equals(r.role()));
                }
                role.dataPoint(point.build());
                point(term, labels, r.term());
                point(commit, labels, r.commitIndex());
                point(applied, labels, r.appliedIndex());
                point(lag, labels, r.lag());
                if (r.ageMs() >= 0)
                {
                    age.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
                        .value(Unit.millisToSeconds(r.ageMs())).build());
                }
            }
        }
        if (any)
        {
            out.add(ready.build());
            for (final MetricSnapshot s : List.of(role.build(), term.build(), commit.build(), applied.build(),
                lag.build(), age.build()))
            {
                if (!s.getDataPoints().isEmpty())
                {
                    out.add(s);
                }
            }
        }
    }

    private static GaugeSnapshot.Builder gauge(final String name, final String help)
    {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static void point(final GaugeSnapshot.Builder gauge, final Labels labels, final long value)
    {
        if (value >= 0)
        {
            gauge.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }
    }
}
