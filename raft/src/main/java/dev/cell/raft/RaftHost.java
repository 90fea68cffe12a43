package dev.cell.raft;

import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.service.StatefulHost;

import java.nio.file.Path;

/**
 * The {@link StatefulHost} {@code CellMain} finds through {@link java.util.ServiceLoader}: a cell annotated
 * {@code @Cell(stateful = true)} or with a {@code [state]} table in its {@code cell.toml} runs as a {@link Replica}.
 *
 * @since 0.1
 */
public final class RaftHost implements StatefulHost
{
    /**
     * For the service loader.
     */
    public RaftHost()
    {
    }

    @Override
    public boolean handles(final CellBinding<?> binding, final int groupSize)
    {
        return groupSize > 0 || HandlerTable.isStateful(binding.newCell().getClass());
    }

    @Override
    public Running start(
        final CellBinding<?> binding, final Path cellDir, final int groupSize, final ServerOptions options,
        final CellLog log)
    {
        final ReplicaOptions replica = ReplicaOptions.fromSystemProperties(options.withLog(log));
        return Replica.start(binding, cellDir, groupSize > 0 ? replica.withGroupSize(groupSize) : replica);
    }
}
