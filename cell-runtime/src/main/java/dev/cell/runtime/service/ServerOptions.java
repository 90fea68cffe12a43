package dev.cell.runtime.service;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.trace.TraceOptions;

import java.nio.file.Path;

/**
 * How an instance serves. Immutable; start from {@link #defaults()}.
 *
 * @param cellHome       where the instance registers ({@code $CELL_HOME}).
 * @param idleProfile    how the duty cycle idles: ECO sleeps on a futex, SPIN busy-spins.
 * @param instanceId     the instance id, or null for {@code <cell>-<pid>}.
 * @param log            the log, or null for the JSON-lines file under {@code <cellDir>/.cell/log/}.
 * @param maxConnections most open sessions; more are rejected with TOO_MANY_CONNECTIONS.
 * @param axon           how remote callers reach the instance; null: only this host's, through junctions.
 * @param trace          which requests get a span record, and where spans are exported; null:
 *                       {@link TraceOptions#DEFAULT} (sampled traces, no export).
 * @param handlerMetrics count calls, errors, failures and service times per handler in the instance file (the
 *                       default; {@code -Dcell.metrics.handlers=false} turns it off: the instance's own totals are
 *                       kept either way, the supervisor reads them to tell how the instance is doing).
 * @since 0.1
 */
public record ServerOptions(
    Path cellHome, IdleProfile idleProfile, String instanceId, CellLog log, int maxConnections, AxonOptions axon,
    TraceOptions trace, boolean handlerMetrics)
{
    /**
     * Set to {@code false} to keep no per-handler counters ({@link #handlerMetrics()}).
     */
    public static final String HANDLER_METRICS_PROPERTY = "cell.metrics.handlers";

    /**
     * Default connection limit.
     */
    public static final int DEFAULT_MAX_CONNECTIONS = 256;

    /**
     * @return the cell home from {@link CellHome#resolve()}, ECO, default id, file log, 256 connections.
     */
    public static ServerOptions defaults()
    {
        return new ServerOptions(CellHome.resolve(), IdleProfile.ECO, null, null, DEFAULT_MAX_CONNECTIONS, null,
            TraceOptions.DEFAULT, true);
    }

    /**
     * @param value a cell home.
     * @return a copy with it.
     */
    public ServerOptions withCellHome(final Path value)
    {
        return new ServerOptions(value, idleProfile, instanceId, log, maxConnections, axon, trace, handlerMetrics);
    }

    /**
     * @param value an idle profile.
     * @return a copy with it.
     */
    public ServerOptions withIdleProfile(final IdleProfile value)
    {
        return new ServerOptions(cellHome, value, instanceId, log, maxConnections, axon, trace, handlerMetrics);
    }

    /**
     * @param value an instance id (null for the default).
     * @return a copy with it.
     */
    public ServerOptions withInstanceId(final String value)
    {
        return new ServerOptions(cellHome, idleProfile, value, log, maxConnections, axon, trace, handlerMetrics);
    }

    /**
     * @param value a log (null for the default file log).
     * @return a copy with it.
     */
    public ServerOptions withLog(final CellLog value)
    {
        return new ServerOptions(cellHome, idleProfile, instanceId, value, maxConnections, axon, trace, handlerMetrics);
    }

    /**
     * @param value a connection limit.
     * @return a copy with it.
     */
    public ServerOptions withMaxConnections(final int value)
    {
        return new ServerOptions(cellHome, idleProfile, instanceId, log, value, axon, trace, handlerMetrics);
    }

    /**
     * @param value how remote callers reach the instance (null: none).
     * @return a copy with it.
     */
    public ServerOptions withAxon(final AxonOptions value)
    {
        return new ServerOptions(cellHome, idleProfile, instanceId, log, maxConnections, value, trace, handlerMetrics);
    }

    /**
     * @param value which requests get a span record and where spans are exported (null for the default).
     * @return a copy with it.
     */
    public ServerOptions withTrace(final TraceOptions value)
    {
        return new ServerOptions(cellHome, idleProfile, instanceId, log, maxConnections, axon, value, handlerMetrics);
    }

    /**
     * @param value false to keep no per-handler counters.
     * @return a copy with it.
     */
    public ServerOptions withHandlerMetrics(final boolean value)
    {
        return new ServerOptions(cellHome, idleProfile, instanceId, log, maxConnections, axon, trace, value);
    }
}
