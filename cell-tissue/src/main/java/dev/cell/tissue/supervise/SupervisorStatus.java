package dev.cell.tissue.supervise;

import dev.cell.tissue.config.Resources;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.Cgroups;
import dev.cell.tissue.launch.GpuDevices;
import dev.cell.tissue.launch.GpuPlan;
import dev.cell.tissue.launch.InstanceLauncher.Launched;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The supervisor's answer to {@code status}: per cell its state, restarts, resources with their enforcement, and
 * per instance slot its pid, state and last exit.
 */
final class SupervisorStatus
{
    private SupervisorStatus()
    {
    }

    /**
     * @param tree    the tissue.
     * @param cgroups its cgroup hierarchy.
     * @param runs    its supervised cells.
     * @return the tissue's state as JSON-ready maps: tissue name, cgroup mode and per cell its state, reason,
     * restarts, resources with their enforcement and instances.
     */
    static Map<String, Object> of(final TissueTree tree, final Cgroups cgroups, final Collection<CellRun> runs)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("tissue", tree.name());
        m.put("root", tree.root().dir().toString());
        m.put("supervisorPid", ProcessHandle.current().pid());
        m.put("cgroups", cgroups.mode().name().toLowerCase(Locale.ROOT));
        // nvidia-smi once per status, and only when a cell has devices
        final java.util.concurrent.atomic.AtomicReference<Map<Integer, GpuDevices.Usage>> usageNow =
            new java.util.concurrent.atomic.AtomicReference<>();
        final java.util.function.Supplier<Map<Integer, GpuDevices.Usage>> usage = () ->
            usageNow.updateAndGet(u -> u != null ? u : GpuDevices.usage());
        final List<Object> cells = new ArrayList<>();
        for (final CellRun r : runs)
        {
            final Map<String, Object> c = new LinkedHashMap<>();
            c.put("cell", r.cell.name());
            c.put("dir", r.cell.dir().toString());
            c.put("state", r.state.lower());
            c.put("reason", r.reason);
            c.put("restarts", (long)r.restarts);
            c.put("coldStartMs", r.lastColdStartNs < 0 ? -1L : r.lastColdStartNs / 1_000_000L);
            final Map<String, Object> res = new LinkedHashMap<>();
            for (final Resources.Kind k : Resources.Kind.values())
            {
                final Resources.Range range = r.node.resources().get(k);
                if (range != null)
                {
                    final Map<String, Object> e = new LinkedHashMap<>();
                    e.put("min", range.min() < 0 ? "" : k.format(range.min()));
                    e.put("max", range.max() < 0 ? "" : k.format(range.max()));
                    final Slot first = r.slots.getFirst();
                    final Cgroups.Enforcement enf = first.enforcement;
                    e.put("enforcement", k == Resources.Kind.GPU ? gpuNotes(r) :
                        enf == null ? "not started" : enf.notes().getOrDefault(k, "not enforced"));
                    e.put("enforced", enf != null && enf.enforced(k));
                    if (k == Resources.Kind.GPU)
                    {
                        e.put("usage", gpuUsage(r, usage));
                    }
                    res.put(k.key(), e);
                }
            }
            c.put("resources", res);
            final List<Object> slots = new ArrayList<>();
            for (final Slot s : r.slots)
            {
                final Map<String, Object> i = new LinkedHashMap<>();
                final Launched l = s.current;
                i.put("replica", (long)s.index);
                i.put("instance", l == null ? "" : l.label());
                i.put("pid", l == null || !l.process().isAlive() ? -1L : l.process().pid());
                i.put("state", s.state.lower());
                i.put("restarts", (long)s.restarts);
                i.put("lastExit", s.lastExit);
                i.put("recoveryMs", s.recoveryMs);
                slots.add(i);
            }
            c.put("instances", slots);
            cells.add(c);
        }
        m.put("cells", cells);
        return m;
    }

    /**
     * Each replica's devices: one note when all say the same, else one per replica.
     */
    private static String gpuNotes(final CellRun r)
    {
        final java.util.Map<String, List<Integer>> byNote = new LinkedHashMap<>();
        for (final Slot s : r.slots)
        {
            final Cgroups.Enforcement enf = s.enforcement;
            final String note = enf == null ? "not started" : enf.notes().getOrDefault(Resources.Kind.GPU, "");
            byNote.computeIfAbsent(note, n -> new ArrayList<>()).add(s.index);
        }
        if (byNote.size() == 1)
        {
            return byNote.keySet().iterator().next();
        }
        final List<String> parts = new ArrayList<>();
        byNote.forEach((note, slots) -> parts.add("replica" + (slots.size() == 1 ? " " : "s ") + slots + ": " + note));
        return String.join("; ", parts);
    }

    /**
     * What the devices of a cell's replicas are doing now ({@code nvidia-smi}); empty when none or unknown.
     */
    private static String gpuUsage(final CellRun r,
        final java.util.function.Supplier<Map<Integer, GpuDevices.Usage>> usage)
    {
        final java.util.Set<Integer> devices = new java.util.TreeSet<>();
        for (final Slot s : r.slots)
        {
            final GpuPlan.Assignment a = s.gpu;
            if (a != null)
            {
                a.devices().forEach(g -> devices.add(g.index()));
            }
        }
        if (devices.isEmpty())
        {
            return "";
        }
        final Map<Integer, GpuDevices.Usage> now = usage.get();
        final List<String> parts = new ArrayList<>();
        for (final int d : devices)
        {
            final GpuDevices.Usage u = now.get(d);
            if (u != null)
            {
                parts.add("device " + d + " " + u.describe());
            }
        }
        return String.join("; ", parts);
    }
}
