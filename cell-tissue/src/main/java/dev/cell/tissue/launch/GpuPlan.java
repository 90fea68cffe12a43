package dev.cell.tissue.launch;

import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Resources;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.GpuDevices.Gpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which of the host's GPUs each instance slot gets, decided before anything starts.
 * <p>
 * A cell's {@code [resources] gpu} asks for devices per instance ({@code { min, max }}: up to max when free, at
 * least min). A slot keeps its devices across restarts and a rolling restart's new instance shares them with the
 * one it replaces; a slot removed by scaling down gives them back. Cells that cannot fall back are served first;
 * a cell with {@code gpu_fallback = "cpu"} gets what is left and runs its other instances on the CPU; a tissue
 * whose other cells ask for more than the host has is refused, naming each cell, before any instance starts.
 * <p>
 * An instance is given its devices through {@code CUDA_VISIBLE_DEVICES} and told its backend through
 * {@code CELL_ENZYME_BACKEND} ({@code cuda}, or {@code cpu} with {@code CELL_ENZYME_REASON}); a cell that says
 * {@code gpu = 0} sees none. That is visibility, not isolation: the device files stay open to the process, as they
 * are to any process of the same user.
 *
 * @since 0.1
 */
public final class GpuPlan
{
    /**
     * The environment variable naming the devices an instance may use.
     */
    public static final String VISIBLE_ENV = "CUDA_VISIBLE_DEVICES";
    /**
     * The environment variable telling an enzyme its backend ({@code cuda} or {@code cpu}).
     */
    public static final String BACKEND_ENV = "CELL_ENZYME_BACKEND";
    /**
     * The environment variable saying why an instance runs on the CPU.
     */
    public static final String REASON_ENV = "CELL_ENZYME_REASON";

    private final GpuDevices.Found host;
    private final Map<String, Assignment> given = new HashMap<>();

    /**
     * What one slot gets.
     *
     * @param devices the devices, none for the CPU.
     * @param env     what its process's environment gets.
     * @param note    how {@code cell status} describes it.
     */
    public record Assignment(List<Gpu> devices, Map<String, String> env, String note)
    {
    }

    /**
     * What one cell asks for.
     *
     * @param cell      its name.
     * @param resources its {@code [resources]}.
     * @param replicas  its instances.
     */
    public record Ask(String cell, Resources resources, int replicas)
    {
    }

    /**
     * @param host the host's devices.
     */
    public GpuPlan(final GpuDevices.Found host)
    {
        this.host = host;
    }

    /**
     * Find the host's devices and give every instance of a tissue's cells its own.
     *
     * @param cells the tissue's cells ({@code TissueTree.cells()}).
     * @param env   this process's environment ({@code CELL_GPUS}).
     * @return the plan.
     * @throws UserError when {@code CELL_GPUS} is malformed or the cells ask for more than the host has.
     */
    public static GpuPlan forTissue(final List<TissueTree.Node> cells, final Map<String, String> env)
    {
        final GpuPlan plan;
        try
        {
            plan = new GpuPlan(GpuDevices.discover(env));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError(ex.getMessage(), ex);
        }
        plan.reserveAll(cells.stream().map(n -> new Ask(n.cell().name(), n.resources(), n.cell().replicas()))
            .toList());
        return plan;
    }

    /**
     * Give every slot of these cells its devices, cells that cannot fall back first.
     *
     * @param asks the cells.
     * @throws UserError when cells without a fallback ask for more than the host has; nothing is given then.
     */
    public synchronized void reserveAll(final List<Ask> asks)
    {
        final List<Ask> ordered = new ArrayList<>(asks.stream().filter(a -> !a.resources().gpuFallbackCpu()).toList());
        ordered.addAll(asks.stream().filter(a -> a.resources().gpuFallbackCpu()).toList());
        final Map<String, Assignment> before = new HashMap<>(given);
        final List<String> short_ = new ArrayList<>();
        for (final Ask a : ordered)
        {
            for (int i = 0; i < a.replicas(); i++)
            {
                if (!assign(a, i))
                {
                    short_.add(a.cell() + " " + a.replicas() + " × " + need(a.resources()));
                    break;
                }
            }
        }
        if (!short_.isEmpty())
        {
            given.clear();
            given.putAll(before);
            final long asked = asks.stream().filter(a -> !a.resources().gpuFallbackCpu() && need(a.resources()) > 0)
                .mapToLong(a -> (long)a.replicas() * need(a.resources())).sum();
            throw new UserError("not enough GPUs: cells without gpu_fallback ask for " + asked + " in all (" +
                asks.stream().filter(a -> !a.resources().gpuFallbackCpu() && need(a.resources()) > 0)
                    .map(a -> a.cell() + " " + a.replicas() + " × " + need(a.resources()))
                    .collect(Collectors.joining(", ")) + "); this host has " + describeHost() + "; short: " +
                String.join(", ", short_) + ". Lower [resources] gpu or the replicas, or set gpu_fallback = " +
                "\"cpu\" to run the instances that find no device on the CPU");
        }
    }

    /**
     * @param cell  a cell.
     * @param index a slot.
     * @return what the slot was given, or null when its cell does not say {@code gpu}.
     */
    public synchronized Assignment assignment(final String cell, final int index)
    {
        return given.get(cell + "#" + index);
    }

    /**
     * Give back the devices of a cell's slots from an index on (scaling down).
     *
     * @param cell a cell.
     * @param from the first slot given back.
     */
    public synchronized void release(final String cell, final int from)
    {
        given.keySet().removeIf(k -> k.startsWith(cell + "#") &&
            Integer.parseInt(k.substring(cell.length() + 1)) >= from);
    }

    /**
     * @return the host's devices, as found.
     */
    public String describeHost()
    {
        return host.gpus().size() + (host.gpus().isEmpty() ? "" : ": " +
            host.gpus().stream().map(Gpu::describe).collect(Collectors.joining(", "))) + " (" + host.source() + ")";
    }

    private boolean assign(final Ask a, final int index)
    {
        final String key = a.cell() + "#" + index;
        final Resources.Range range = a.resources().get(Resources.Kind.GPU);
        if (range == null || given.containsKey(key))
        {
            return true;
        }
        final int want = (int)(range.max() >= 0 ? range.max() : range.min());
        final int need = need(a.resources());
        if (want <= 0)
        {
            given.put(key, new Assignment(List.of(), env("", "cpu", null), "no devices (gpu = 0): " + VISIBLE_ENV +
                " is empty"));
            return true;
        }
        final List<Gpu> free = new ArrayList<>(host.gpus());
        for (final Assignment taken : given.values())
        {
            free.removeAll(taken.devices());
        }
        if (free.size() < need)
        {
            if (!a.resources().gpuFallbackCpu())
            {
                return false;
            }
            final String why = "asks for " + need + " GPU" + (need == 1 ? "" : "s") + " per instance; " + free.size() +
                " free of " + describeHost();
            given.put(key, new Assignment(List.of(), env("", "cpu", why), "cpu fallback (gpu_fallback = \"cpu\"): " +
                why));
            return true;
        }
        final List<Gpu> mine = List.copyOf(free.subList(0, Math.min(want, free.size())));
        final String visible = mine.stream().map(g -> Integer.toString(g.index())).collect(Collectors.joining(","));
        given.put(key, new Assignment(mine, env(visible, "cuda", null), "device" + (mine.size() == 1 ? " " : "s ") +
            mine.stream().map(Gpu::describe).collect(Collectors.joining(", ")) + " through " + VISIBLE_ENV + "=" +
            visible + " (visibility, not isolation)"));
        return true;
    }

    private static int need(final Resources resources)
    {
        final Resources.Range range = resources.get(Resources.Kind.GPU);
        if (range == null)
        {
            return 0;
        }
        return (int)(range.min() >= 0 ? range.min() : Math.max(0, range.max()));
    }

    private static Map<String, String> env(final String visible, final String backend, final String reason)
    {
        final Map<String, String> env = new LinkedHashMap<>();
        env.put(VISIBLE_ENV, visible);
        env.put(BACKEND_ENV, backend);
        if (reason != null)
        {
            env.put(REASON_ENV, reason);
        }
        return Map.copyOf(env);
    }
}
