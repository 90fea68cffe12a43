package dev.cell.tissue.supervise;

import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree.Node;
import org.agrona.concurrent.SystemNanoClock;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A supervised cell: its tree node, its instance slots, its crash budget and state.
 */
final class CellRun
{
    final Node node;
    final CellSpec cell;
    final List<Slot> slots = new java.util.concurrent.CopyOnWriteArrayList<>();
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final RestartPolicy policy;
    volatile State state = State.WAITING;
    volatile String reason = "";
    volatile int restarts;
    volatile long lastColdStartNs = -1;

    CellRun(final Node node)
    {
        this.node = node;
        this.cell = node.cell();
        this.policy = new RestartPolicy(node.lifeCycle(), SystemNanoClock.INSTANCE);
        for (int i = 0; i < cell.replicas(); i++)
        {
            slots.add(new Slot(this, i));
        }
    }
}
