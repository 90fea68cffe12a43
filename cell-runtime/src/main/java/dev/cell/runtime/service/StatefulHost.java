package dev.cell.runtime.service;

import dev.cell.runtime.log.CellLog;

import java.nio.file.Path;

/**
 * Service provider interface through which {@link CellMain} hands a stateful cell to the module that replicates it
 * ({@code cell-raft}), found with {@link java.util.ServiceLoader}. Not for application code.
 *
 * @since 0.1
 */
public interface StatefulHost
{
    /**
     * @param binding   the cell's binding.
     * @param groupSize the Raft group size its {@code [state]} table asks for, as resolved by the launcher; 0 when it
     *                  has none (the cell may still be {@code @Cell(stateful = true)}).
     * @return true when this host serves that cell (it is stateful).
     */
    boolean handles(CellBinding<?> binding, int groupSize);

    /**
     * Start serving the cell as one replica of its group.
     *
     * @param binding the cell's binding.
     * @param cellDir   its folder.
     * @param groupSize replicas in its group when this replica creates it; 0: the host's default.
     * @param options   how to serve its junctions.
     * @param log       the instance's log.
     * @return the running replica; closing it stops it.
     */
    Running start(CellBinding<?> binding, Path cellDir, int groupSize, ServerOptions options, CellLog log);

    /**
     * A running replica.
     */
    interface Running extends AutoCloseable
    {
        /**
         * Block until it stopped.
         *
         * @throws InterruptedException when interrupted.
         */
        void awaitStop() throws InterruptedException;

        /**
         * @return true when it stopped because it failed (the instance then exits with status 1).
         */
        default boolean failed()
        {
            return false;
        }

        /**
         * @return true when it stopped itself after its idle timeout (the instance then exits with
         * {@link IdleTimeout#EXIT_STATUS}); a replica of a Raft group never does.
         */
        default boolean stoppedIdle()
        {
            return false;
        }

        @Override
        void close();
    }
}
