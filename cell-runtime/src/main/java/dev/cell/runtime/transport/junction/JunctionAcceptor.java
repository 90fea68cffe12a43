package dev.cell.runtime.transport.junction;

import dev.cell.ring.Doorbell;
import dev.cell.ring.InstanceCounters;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.log.CellLog;
import org.agrona.ExpandableDirectByteBuffer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The instance's side of the shared-memory transport: its owner-only run folder, its instance file (accept ring,
 * doorbell, heartbeat, call counters) and the junction files clients create in {@code junctions/}. Accepts each
 * announced junction as a {@link ServerJunction}; sweeps the files of clients that died.
 * <p>
 * <b>Note:</b> used by the serving thread, except {@link #wake()} and {@link #readCalls()}, which any thread may call.
 *
 * @since 0.1
 */
public final class JunctionAcceptor
{
    private static final Pattern JUNCTION_NAME = Pattern.compile("[0-9]{1,10}-[0-9]{1,10}\\.junction");
    private static final long RUN_DIR_GRACE_MS = 60_000;

    private final Path cellDir;
    private final Path runDir;
    private final Path junctionsDir;
    private final CellLog log;
    private final ExpandableDirectByteBuffer privateFrame = new ExpandableDirectByteBuffer(64 * 1024);
    private final InstanceFile.AcceptHandler acceptHandler = this::onAccept;
    private final Object mapLock = new Object();
    private volatile InstanceFile instanceFile;
    private Consumer<ServerJunction> onJunction;
    private long acceptNowNs;
    private boolean acceptCorruptLogged;

    /**
     * @param cellDir the cell's folder ({@code .cell/run} under it holds the run folders).
     * @param runDir  this instance's run folder.
     * @param log     the instance log.
     */
    public JunctionAcceptor(final Path cellDir, final Path runDir, final CellLog log)
    {
        this.cellDir = cellDir;
        this.runDir = runDir;
        this.junctionsDir = runDir.resolve("junctions");
        this.log = log;
    }

    /**
     * Reclaim the run folders of dead instances, then create this one's (owner-only, 0700, from creation: another
     * local user can neither list the junctions nor open them) and its instance file.
     *
     * @param fingerprint the genome fingerprint served.
     * @param instanceId  the instance's id, for the message when the folder is in use.
     * @throws IOException when a file cannot be made.
     */
    public void open(final long fingerprint, final String instanceId) throws IOException
    {
        sweepDeadRunDirs(cellDir, log);
        final String inUse = "run folder " + runDir + " exists: instance id '" + instanceId +
            "' is in use by a live instance; choose another --instance";
        if (Files.exists(runDir))
        {
            throw new IllegalStateException(inUse);
        }
        PrivateFiles.createDirectories(runDir.getParent());
        try
        {
            PrivateFiles.createDirectory(runDir);
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new IllegalStateException(inUse);
        }
        PrivateFiles.createDirectory(junctionsDir);
        instanceFile = InstanceFile.create(runDir, fingerprint, InstanceFile.DEFAULT_ACCEPT_CAPACITY);
        if (!Doorbell.futexAvailable())
        {
            log.warn("idle.futex.unavailable", "reason", Doorbell.futexUnavailableReason(),
                "fallback", "timed park, wake latency up to 1 ms");
        }
    }

    /**
     * @return true once {@link #open} made the instance file (and until {@link #closeAndDelete()}).
     */
    public boolean isOpen()
    {
        return instanceFile != null;
    }

    /**
     * Accept up to {@code limit} announced junctions.
     *
     * @param onJunction takes each accepted junction.
     * @param limit      most to accept.
     * @param nowNs      monotonic clock.
     * @return how many announcements were taken.
     */
    public int poll(final Consumer<ServerJunction> onJunction, final int limit, final long nowNs)
    {
        this.onJunction = onJunction;
        this.acceptNowNs = nowNs;
        final int accepted = instanceFile.pollAccepts(acceptHandler, limit);
        this.onJunction = null;
        if (accepted == Junction.CORRUPT && !acceptCorruptLogged)
        {
            acceptCorruptLogged = true;
            log.error("instance.accept.corrupt", "reason", instanceFile.acceptCorruption());
        }
        return Math.max(0, accepted);
    }

    private void onAccept(final String name)
    {
        if (!JUNCTION_NAME.matcher(name).matches())
        {
            log.warn("connection.rejected", "junction", name, "reason", "not a junction file name");
            return;
        }
        final Junction junction;
        try
        {
            junction = Junction.attach(junctionsDir.resolve(name));
        }
        catch (final IOException | RuntimeException | InternalError ex)
        {
            // InternalError: the file shrank between its size check and a read of its header.
            log.warn("connection.rejected", "junction", name, "reason", String.valueOf(ex.getMessage()));
            return;
        }
        onJunction.accept(new ServerJunction(junction, name, privateFrame, acceptNowNs));
    }

    /**
     * @return true when a client announced a junction not yet accepted.
     */
    public boolean hasAccepts()
    {
        return instanceFile.hasAccepts();
    }

    /**
     * Beat on the instance file and free an accept ring a dying client left claimed.
     *
     * @param nowMs          epoch clock.
     * @param nowNs          monotonic clock.
     * @param claimTimeoutNs longest an announcement may stay uncommitted.
     */
    public void housekeeping(final long nowMs, final long nowNs, final long claimTimeoutNs)
    {
        instanceFile.heartbeat(nowMs);
        if (instanceFile.unblockStalledAccept(nowNs, claimTimeoutNs))
        {
            log.warn("instance.accept.unblocked", "reason", "a client claimed an announcement on the accept ring " +
                "and did not commit it within " + claimTimeoutNs / 1_000_000L + " ms (it died or " +
                "stopped mid-write)");
        }
    }

    /**
     * Beat on the instance file.
     *
     * @param nowMs epoch clock.
     */
    public void heartbeat(final long nowMs)
    {
        instanceFile.heartbeat(nowMs);
    }

    /**
     * @param state one of {@code InstanceFile.STATE_*}.
     */
    public void state(final int state)
    {
        instanceFile.state(state);
    }

    /**
     * @return the doorbell the serving thread sleeps on.
     */
    public Doorbell doorbell()
    {
        return instanceFile.doorbell();
    }

    /**
     * Ring the doorbell: the serving thread wakes. Any thread; nothing once closed.
     */
    public void wake()
    {
        synchronized (mapLock)
        {
            final InstanceFile file = instanceFile;
            if (file != null)
            {
                file.doorbell().ring();
            }
        }
    }

    /**
     * @return calls served, as the instance file counts them (serving thread).
     */
    public long calls()
    {
        return instanceFile.calls();
    }

    /**
     * @return calls served, read from the file (any thread); 0 when not open.
     */
    public long readCalls()
    {
        final InstanceFile file = instanceFile;
        return file == null ? 0 : InstanceFile.readCalls(file.path());
    }

    /**
     * Count a call.
     */
    public void incrementCalls()
    {
        instanceFile.incrementCalls();
    }

    /**
     * Count a call answered with a failure or a declared error.
     */
    public void incrementErrors()
    {
        instanceFile.incrementErrors();
    }

    /**
     * @param nanos a handler's service time.
     */
    public void recordServiceTime(final long nanos)
    {
        instanceFile.recordServiceTime(nanos);
    }

    /**
     * Count a request dispatched to a handler (serving thread).
     *
     * @param slot the handler's slot (see {@link InstanceCounters}).
     */
    public void handlerCall(final int slot)
    {
        instanceFile.counters().handlerCall(slot);
    }

    /**
     * Count a handler run in its service-time histogram (serving thread).
     *
     * @param slot  the handler's slot.
     * @param nanos how long it ran.
     */
    public void handlerServiceTime(final int slot, final long nanos)
    {
        instanceFile.counters().handlerServiceTime(slot, nanos);
    }

    /**
     * Count a call answered with one of its handler's declared errors (serving thread).
     *
     * @param slot the handler's slot.
     */
    public void handlerDeclaredError(final int slot)
    {
        instanceFile.counters().handlerDeclaredError(slot);
    }

    /**
     * Count a call answered with a failure (serving thread).
     *
     * @param slot the handler's slot, or {@link InstanceCounters#OTHER_SLOT}.
     * @param code the failure code's value.
     */
    public void handlerFailure(final int slot, final int code)
    {
        instanceFile.counters().handlerFailure(slot, code);
    }

    /**
     * Publish how many calls are accepted and not answered yet (serving thread).
     *
     * @param depth the count now.
     */
    public void queueDepth(final int depth)
    {
        instanceFile.counters().queueDepth(depth);
    }

    /**
     * Count a reply that had to wait for ring space (serving thread).
     */
    public void replyBackPressured()
    {
        instanceFile.counters().replyBackPressured();
    }

    /**
     * Publish the idle profile and the open sessions (serving thread, from housekeeping).
     *
     * @param spin        true for the {@code spin} profile.
     * @param sleeps      times the serving thread slept on the doorbell.
     * @param sleptNs     nanoseconds it slept in all.
     * @param connections sessions open.
     */
    public void idle(final boolean spin, final long sleeps, final long sleptNs, final int connections)
    {
        instanceFile.counters().idle(spin ? InstanceCounters.IDLE_SPIN :
            InstanceCounters.IDLE_ECO, sleeps, sleptNs, connections);
    }

    /**
     * Delete the junction files of dead clients that no open junction uses.
     *
     * @param open names of the junctions in use.
     */
    public void sweepOrphanJunctions(final Set<String> open)
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(junctionsDir, "*.junction"))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                if (open.contains(name) || !JUNCTION_NAME.matcher(name).matches())
                {
                    continue;
                }
                final long pid = Long.parseLong(name.substring(0, name.indexOf('-')));
                if (!Liveness.isAlive(pid, 0))
                {
                    Files.deleteIfExists(file);
                    log.info("connection.reclaimed", "junction", name, "clientPid", pid,
                        "reason", "orphan junction of a dead client");
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            log.warn("instance.sweep.failed", "error", ex.toString());
        }
    }

    /**
     * Close and delete the instance file (marked stopped first when {@code stopped}).
     *
     * @param stopped true to mark it {@code STATE_STOPPED} before.
     */
    public void closeAndDelete(final boolean stopped)
    {
        synchronized (mapLock)
        {
            final InstanceFile file = instanceFile;
            if (file != null)
            {
                if (stopped)
                {
                    file.state(InstanceFile.STATE_STOPPED);
                }
                file.closeAndDelete();
                instanceFile = null;
            }
        }
    }

    /**
     * Reclaim the run folders under {@code cellDir} whose instance is gone.
     *
     * @param cellDir the cell's folder.
     * @param log     where to say what was reclaimed.
     */
    public static void sweepDeadRunDirs(final Path cellDir, final CellLog log)
    {
        final Path run = cellDir.resolve(".cell").resolve("run");
        if (!Files.isDirectory(run))
        {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(run, Files::isDirectory))
        {
            for (final Path dir : dirs)
            {
                final Path dat = dir.resolve(InstanceFile.FILE_NAME);
                if (!Files.exists(dat) && isRecent(dir))
                {
                    continue; // an instance starting right now creates its folder before its instance file
                }
                boolean dead = !Files.exists(dat);
                if (!dead)
                {
                    try (InstanceFile file = InstanceFile.open(dat))
                    {
                        dead = !file.ownerAlive();
                    }
                    catch (final IOException | RuntimeException ex)
                    {
                        // Not a valid instance file (yet): an instance starting right now allocates its file
                        // before it writes the header, so only an old one is a leftover.
                        dead = !isRecent(dir);
                    }
                }
                if (dead && InstanceRegistry.reclaimRunDir(dir))
                {
                    log.info("instance.reclaimed", "runDir", dir.toString());
                }
            }
        }
        catch (final IOException ignore)
        {
            // Nothing to sweep.
        }
    }

    private static boolean isRecent(final Path dir)
    {
        try
        {
            return System.currentTimeMillis() - Files.getLastModifiedTime(dir).toMillis() < RUN_DIR_GRACE_MS;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
