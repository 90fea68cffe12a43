package dev.cell.runtime.service;

import dev.cell.ring.Liveness;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.log.JsonLinesLog;
import dev.cell.runtime.trace.TraceContext;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running instance of a cell: its run folder ({@code <cellDir>/.cell/run/<instanceId>/} with {@code instance.dat}
 * and {@code junctions/}), its registry entry, and one duty-cycle thread (an Agrona {@code AgentRunner} running the
 * instance's agent with its idle profile's strategy) that accepts junctions, handshakes, reads requests, dispatches
 * them and writes replies. Its settings are one {@link ServerContext}.
 * <pre>{@code
 * try (CellServer server = CellServer.start(new ExchangeBinding(), cellDir, ServerOptions.defaults()))
 * {
 *     server.awaitStop();
 * }
 * }</pre>
 * {@link #close()} stops it gracefully: Goodbye to every client, {@link CellLifecycle#onStop()}, unregister, delete
 * the run folder.
 *
 * @since 0.1
 */
public final class CellServer implements AutoCloseable
{
    private static final long START_TIMEOUT_MS = 60_000;
    private static final long STOP_TIMEOUT_MS = 30_000;

    private final ServerContext ctx;
    private final ServerAgent agent;
    private final Thread thread;
    private final CellLog log;
    private final JsonLinesLog ownedLog;

    private CellServer(
        final ServerContext ctx,
        final ServerAgent agent,
        final Thread thread,
        final CellLog log,
        final JsonLinesLog ownedLog)
    {
        this.ctx = ctx;
        this.agent = agent;
        this.thread = thread;
        this.log = log;
        this.ownedLog = ownedLog;
    }

    /**
     * Create the cell through its binding and serve it. Returns once it accepts connections.
     *
     * @param binding the generated binding.
     * @param cellDir the cell's folder.
     * @param options how to serve.
     * @param <T>     the cell class.
     * @return the running server.
     * @throws IllegalStateException when it cannot start (the cause says why).
     */
    public static <T> CellServer start(final CellBinding<T> binding, final Path cellDir, final ServerOptions options)
    {
        final T cell = binding.newCell();
        final Dispatcher dispatcher = binding.dispatcher(cell);
        final CellLifecycle lifecycle = cell instanceof CellLifecycle l ? l : null;
        // From major version 2 on a cell serves as name@major, side by side with its earlier majors.
        final Genome genome = binding.genome();
        return start(Genome.servedName(binding.cellName(), genome.version()), genome, dispatcher, lifecycle, cellDir,
            options);
    }

    /**
     * Serve a dispatcher directly (tests, hand-written cells). Returns once it accepts connections.
     *
     * @param cellName   the cell's name.
     * @param genome     its genome (fingerprint and what genome requests answer).
     * @param dispatcher the dispatcher; used by the serving thread only.
     * @param lifecycle  hooks, or null.
     * @param cellDir    the cell's folder.
     * @param options    how to serve.
     * @return the running server.
     * @throws IllegalStateException when it cannot start (the cause says why).
     */
    public static CellServer start(
        final String cellName,
        final Genome genome,
        final Dispatcher dispatcher,
        final CellLifecycle lifecycle,
        final Path cellDir,
        final ServerOptions options)
    {
        Objects.requireNonNull(cellName, "cellName");
        Objects.requireNonNull(genome, "genome");
        Objects.requireNonNull(dispatcher, "dispatcher");
        final Path dir = cellDir.toAbsolutePath().normalize();
        final String instanceId = options.instanceId() != null ? options.instanceId() :
            cellName + "-" + Liveness.currentPid();
        JsonLinesLog ownedLog = null;
        final CellLog log;
        if (options.log() != null)
        {
            log = options.log();
        }
        else
        {
            try
            {
                ownedLog = JsonLinesLog.forInstance(dir, cellName, instanceId);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot open the instance log under " + dir, ex);
            }
            log = ownedLog;
        }
        final Path runDir = dir.resolve(".cell").resolve("run").resolve(instanceId);
        final ServerContext ctx = new ServerContext(
            cellName, instanceId, genome, dispatcher, lifecycle, dir, runDir, options, log).conclude();
        final ServerAgent agent = new ServerAgent(ctx);
        final AgentRunner runner = new AgentRunner(agent.idleStrategy(), ex -> onError(log, ex), null, agent);
        final Thread thread = AgentRunner.startOnThread(runner, TraceContext::newServingThread);
        try
        {
            agent.started().get(START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        catch (final ExecutionException ex)
        {
            joinQuietly(thread);
            closeQuietly(ownedLog);
            throw new IllegalStateException("instance " + instanceId + " of cell '" + cellName + "' failed to start: " +
                ex.getCause().getMessage(), ex.getCause());
        }
        catch (final TimeoutException | InterruptedException ex)
        {
            agent.stop();
            joinQuietly(thread);
            closeQuietly(ownedLog);
            throw new IllegalStateException("instance " + instanceId + " of cell '" + cellName +
                "' did not start within " + START_TIMEOUT_MS + " ms", ex);
        }
        return new CellServer(ctx, agent, thread, log, ownedLog);
    }

    private static void onError(final CellLog log, final Throwable ex)
    {
        // The agent reports its own failures (instance.failed) and ends with an AgentTerminationException.
        if (!(ex instanceof AgentTerminationException))
        {
            log.error("instance.failed", "error", ex.toString());
        }
    }

    /**
     * @return the cell's name.
     */
    public String cellName()
    {
        return ctx.cellName();
    }

    /**
     * @return the instance id.
     */
    public String instanceId()
    {
        return ctx.instanceId();
    }

    /**
     * @return the run folder.
     */
    public Path runDir()
    {
        return ctx.runDir();
    }

    /**
     * @return the registry entry of this instance.
     */
    public InstanceRecord record()
    {
        return agent.record();
    }

    /**
     * @return requests dispatched so far.
     */
    public long calls()
    {
        return agent.calls();
    }

    /**
     * @return open junctions (approximate: read from another thread).
     */
    public int connections()
    {
        return agent.connectionCount();
    }

    /**
     * @return the instance's log.
     */
    public CellLog log()
    {
        return log;
    }

    /**
     * @return true until the serving thread ended.
     */
    public boolean isRunning()
    {
        return thread.isAlive();
    }

    /**
     * @return true when the instance stopped itself because it was idle for its {@link IdleTimeout}.
     */
    public boolean stoppedIdle()
    {
        return agent.stoppedIdle();
    }

    /**
     * Block until the instance stopped (after {@link #close()} from another thread, e.g. a shutdown hook).
     *
     * @throws InterruptedException when interrupted.
     */
    public void awaitStop() throws InterruptedException
    {
        thread.join();
    }

    /**
     * Stop gracefully and wait for it (at most 30 s).
     */
    @Override
    public void close()
    {
        agent.stop();
        if (Thread.currentThread() != thread)
        {
            try
            {
                thread.join(STOP_TIMEOUT_MS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        closeQuietly(ownedLog);
    }

    private static void joinQuietly(final Thread thread)
    {
        try
        {
            thread.join(STOP_TIMEOUT_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(final JsonLinesLog log)
    {
        if (log != null)
        {
            log.close();
        }
    }
}
