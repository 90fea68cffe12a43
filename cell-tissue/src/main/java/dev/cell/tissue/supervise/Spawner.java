package dev.cell.tissue.supervise;

import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.TissueConfig.CellSpec;

/**
 * How a supervisor starts a local instance of a dependency that one of its cells finds too far
 * ({@code [deps.<name>.policy] auto_spawn}): given the consumer and its {@code [deps]} entry, spawn the producer from
 * its signed git release (or find the instance already spawned) and return once it is ready. The supervisor only
 * checks that the entry exists and allows it; what spawning means is the implementation's (the CLI installs the one
 * that clones, verifies, builds in the sandbox and starts, {@code dev.cell.git.Mirrors}).
 *
 * @since 0.3
 */
@FunctionalInterface
public interface Spawner
{
    /**
     * A supervisor that cannot spawn: every request is refused saying so.
     */
    Spawner NONE = (consumer, dep) ->
    {
        throw new dev.cell.tissue.UserError("this supervisor cannot spawn '" + dep.name() + "' (it was started " +
            "without cell-git: run the tissue with `cell mitosis`)");
    };

    /**
     * @param consumer the cell asking.
     * @param dep      its entry for the producer, with {@code policy.autoSpawn()} true.
     * @return {@code ok: ...} saying what was started or found.
     * @throws dev.cell.tissue.UserError saying why it cannot be.
     */
    String spawn(CellSpec consumer, CellDeps.Dep dep);
}
