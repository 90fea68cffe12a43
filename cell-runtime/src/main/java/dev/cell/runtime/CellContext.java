package dev.cell.runtime;

import dev.cell.runtime.log.CellLog;

import java.nio.file.Path;

/**
 * What a running instance knows about itself; handed to {@link CellLifecycle#onStart(CellContext)}.
 *
 * @since 0.1
 */
public interface CellContext
{
    /**
     * @return the cell's name.
     */
    String cellName();

    /**
     * @return this instance's id, unique on the host (for example {@code exchange-4711}).
     */
    String instanceId();

    /**
     * @return the cell's directory (the one holding {@code cell.toml}).
     */
    Path cellDir();

    /**
     * @return this instance's run folder, under {@code <cellDir>/.cell/run/}.
     */
    Path runDir();

    /**
     * @return the instance's JSON-lines log.
     */
    CellLog log();

    /**
     * @return this cell's handle on its tissue: scale the cells below it, through its supervisor.
     */
    TissueControl tissue();
}
