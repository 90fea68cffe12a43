package dev.cell.test;

import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.supervise.Mitosis;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The tissue a {@link Tissue} test class runs against.
 *
 * @since 0.1
 */
public final class RunningTissue
{
    private final Mitosis.Running running;
    private final Path cellHome;

    RunningTissue(final Mitosis.Running running, final Path cellHome)
    {
        this.running = running;
        this.cellHome = cellHome;
    }

    /**
     * @return the tissue's name.
     */
    public String name()
    {
        return running.tree().name();
    }

    /**
     * @return the cell home its instances register in.
     */
    public Path cellHome()
    {
        return cellHome;
    }

    /**
     * @return every live instance of the tissue.
     */
    public List<Instances.Instance> instances()
    {
        return running.instances();
    }

    /**
     * @param cell a cell's name.
     * @return its live instances.
     */
    public List<Instances.Instance> instances(final String cell)
    {
        return running.instances().stream().filter(i -> i.cell().equals(cell)).toList();
    }

    /**
     * @return what {@code cell status --json} shows of the supervisor: per cell its state, restarts, resources and
     * instances.
     */
    public Map<String, Object> status()
    {
        return running.supervisor().status();
    }

    Mitosis.Running running()
    {
        return running;
    }
}
