package dev.cell.tissue.supervise;

import dev.cell.tissue.launch.Cgroups;
import dev.cell.tissue.launch.GpuPlan;
import dev.cell.tissue.launch.InstanceLauncher.Launched;

/**
 * One instance slot of a supervised cell: the instance running in it now and what happened to it.
 */
final class Slot
{
    final CellRun run;
    final int index;
    volatile Launched current;
    volatile State state = State.WAITING;
    volatile Cgroups.Enforcement enforcement;
    volatile GpuPlan.Assignment gpu;
    volatile String lastExit = "";
    volatile int restarts;
    volatile boolean replacing;
    volatile long exitedAtNs;
    volatile long recoveryMs = -1;
    volatile Launched hung;
    volatile String hungDetail = "";
    volatile long backoffMs;
    final RestartPolicy.Slot streak = new RestartPolicy.Slot();
    int generation;

    Slot(final CellRun run, final int index)
    {
        this.run = run;
        this.index = index;
    }
}
