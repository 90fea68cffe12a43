package dev.cell.runtime.transport.axon;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The process's Aeron: one embedded media driver and one client on it, started when the first axon opens and closed
 * when the last one closes. Embedded per process rather than one driver per host: no daemon to install or keep alive, a
 * crashed process takes only its own driver with it, and the measured cost of the extra hop a host driver would save is
 * nil for UDP (see docs/architecture.md, "Axon"). Its folder is private to the process
 * ({@code cell-aeron-<pid>-<random>} under {@code /dev/shm} where that exists), owner-only, deleted at close; the
 * folders of processes that died without closing theirs are swept when the next one starts.
 * <p>
 * By default ({@code cell.axon.driver=invoker}) the driver has no thread of its own: INVOKER threading, its duty
 * cycle run by the threads that wait for axon frames ({@link #duty()}, under a try-lock) and, while none does, by a
 * duty thread of the media. With {@code cell.axon.driver=shared} one SHARED driver thread moves every axon's UDP
 * traffic, idling with a {@link WarmIdleStrategy} ({@code eco}) or busy-spinning ({@code cell.axon.driver.idle=spin}).
 * A keeper thread beats on every quiet session (both sides) every {@link #KEEPALIVE_INTERVAL_NS}, so that silence means
 * a dead process or path, never a quiet caller or a long handler.
 *
 * @since 0.2
 */
public final class AxonMedia
{
    /**
     * Longest a session may send nothing: then it sends an empty frame, {@code cell.axon.keepalive.ms} (200 ms).
     */
    public static final long KEEPALIVE_INTERVAL_NS = Long.getLong("cell.axon.keepalive.ms", 200) * 1_000_000L;

    /**
     * Term length of every axon publication: 1 MiB, so a message may be up to 128 KiB (Aeron's term / 8).
     */
    public static final int TERM_LENGTH = 1024 * 1024;

    /**
     * log2 of {@link #TERM_LENGTH}: a fragment header's {@code positionBitsToShift}.
     */
    public static final int TERM_SHIFT = Integer.numberOfTrailingZeros(TERM_LENGTH);

    private static final String DIR_PREFIX = "cell-aeron-";
    /**
     * Whether the driver runs on the threads that wait for its frames ({@code cell.axon.driver=invoker}, the default)
     * or on a thread of its own ({@code shared}). See {@link #duty()}.
     */
    public static final boolean INVOKED = !"shared".equals(System.getProperty("cell.axon.driver", "invoker"));

    private static final long OTHERS_ACTIVE_NS = 1_000_000L;
    private static final Object LOCK = new Object();
    private static AxonMedia shared;

    private final MediaDriver driver;
    private final Aeron aeron;
    private final Path dir;
    private final List<AxonKeepAlive> beating = new CopyOnWriteArrayList<>();
    private final Thread keeper;
    private final Thread dutyThread;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final ReentrantLock dutyLock = new ReentrantLock();
    private volatile long lastDutyNs;
    private int users;
    private volatile boolean closed;

    private AxonMedia(final Path dir)
    {
        this.dir = dir;
        final MediaDriver.Context driverCtx = new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .dirDeleteOnStart(false)
            .dirDeleteOnShutdown(true)
            .threadingMode(INVOKED ? ThreadingMode.INVOKER : ThreadingMode.SHARED)
            .sharedIdleStrategy(driverIdle())
            .termBufferSparseFile(true)
            .publicationTermBufferLength(TERM_LENGTH)
            .ipcTermBufferLength(64 * 1024)
            .spiesSimulateConnection(false)
            .asyncExecutorEnabled(false) // names resolve on the conductor: no thread that wakes 100 times a second
            .errorHandler(AxonMedia::onDriverError)
            .warnIfDirectoryExists(false);
        this.driver = MediaDriver.launchEmbedded(driverCtx);
        try
        {
            ownerOnly(dir); // the driver recreates its folder with the umask's permissions
            final Aeron.Context clientCtx = new Aeron.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .idleStrategy(new SleepingMillisIdleStrategy(10))
                .errorHandler(AxonMedia::onDriverError);
            if (INVOKED)
            {
                driverInvoker = driver.sharedAgentInvoker();
                // The client's own waits (adding a publication) run the driver through the same lock as everyone else.
                final AgentInvoker locked = new AgentInvoker(AxonMedia::onDriverError, null, new Agent()
                {
                    @Override
                    public int doWork()
                    {
                        return runDriver();
                    }

                    @Override
                    public String roleName()
                    {
                        return "cell-axon-driver";
                    }
                });
                locked.start();
                clientCtx.useConductorAgentInvoker(true).driverAgentInvoker(locked);
            }
            else
            {
                driverInvoker = null;
            }
            this.aeron = Aeron.connect(clientCtx);
            this.clientInvoker = INVOKED ? aeron.conductorAgentInvoker() : null;
            this.keeper = Thread.ofPlatform().daemon(true).name("cell-axon-keeper").unstarted(this::keep);
            keeper.start();
            if (INVOKED)
            {
                this.dutyThread = Thread.ofPlatform().daemon(true).name("cell-axon-duty").unstarted(this::runDuty);
                dutyThread.start();
            }
            else
            {
                this.dutyThread = null;
            }
        }
        catch (final RuntimeException | Error ex)
        {
            CloseHelper.quietClose(driver); // and its folder (deleted on shutdown)
            throw ex;
        }
    }

    /**
     * Run the driver's and the client conductor's duty cycle once on this thread, unless another thread is doing so
     * ({@code INVOKER} threading; a no-op under {@code SHARED}). A thread that waits for frames calls this before it
     * polls: the frame it waits for is then read off the socket, and its own sends leave, without a hand-over to
     * another thread.
     *
     * @return the work done.
     */
    public int duty()
    {
        if (driverInvoker == null || !dutyLock.tryLock())
        {
            return 0;
        }
        try
        {
            lastDutyNs = System.nanoTime();
            return driverInvoker.invoke() + clientInvoker.invoke();
        }
        finally
        {
            dutyLock.unlock();
        }
    }

    private int runDriver()
    {
        if (!dutyLock.tryLock())
        {
            return 0;
        }
        try
        {
            lastDutyNs = System.nanoTime();
            return driverInvoker.invoke();
        }
        finally
        {
            dutyLock.unlock();
        }
    }

    /**
     * The duty cycle's own thread under {@code INVOKER}: it runs the driver while no waiting thread does (status
     * messages, retransmits, keepalives of quiet sessions), at the process's pace.
     */
    private void runDuty()
    {
        while (!closed)
        {
            final long nowNs = System.nanoTime();
            if (nowNs - lastDutyNs >= OTHERS_ACTIVE_NS)
            {
                duty();
            }
            // While other threads run the cycle this one only checks in every millisecond; alone it runs at the
            // process's pace (the driver's own timers are no reason to spin).
            LockSupport.parkNanos(Math.max(OTHERS_ACTIVE_NS, AxonPace.processSleepCapNs(nowNs)));
        }
    }

    private static IdleStrategy driverIdle()
    {
        return "spin".equals(System.getProperty("cell.axon.driver.idle")) ?
            new BusySpinIdleStrategy() : new WarmIdleStrategy();
    }

    /**
     * @return the process's media, started on first use; {@link #release()} it when done.
     */
    public static AxonMedia acquire()
    {
        synchronized (LOCK)
        {
            if (shared == null)
            {
                shared = new AxonMedia(newDir());
            }
            shared.users++;
            return shared;
        }
    }

    /**
     * One user is done; the last closes the driver.
     */
    public void release()
    {
        synchronized (LOCK)
        {
            if (--users == 0)
            {
                shared = null;
                close();
            }
        }
    }

    private static Path newDir()
    {
        final Path shm = Path.of("/dev/shm");
        final Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty(
            "java.io.tmpdir"));
        sweepDeadDirs(base);
        final Path dir = base.resolve(DIR_PREFIX + ProcessHandle.current().pid() + "-" +
            Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16));
        try
        {
            // Owner-only from the start: the driver's files (its log buffers included) are nobody else's business.
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                "rwx------")));
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new IllegalStateException("cannot create the axon driver folder " + dir + ": " + ex, ex);
        }
        return dir;
    }

    private static void ownerOnly(final Path dir)
    {
        try
        {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new IllegalStateException("cannot make the axon driver folder " + dir + " owner-only: " + ex, ex);
        }
    }

    /**
     * Delete the driver folders of processes that died without closing theirs (kill -9).
     */
    static void sweepDeadDirs(final Path base)
    {
        final File[] dirs = base.toFile().listFiles((d, name) -> name.startsWith(DIR_PREFIX));
        if (dirs == null)
        {
            return;
        }
        for (final File d : dirs)
        {
            final String rest = d.getName().substring(DIR_PREFIX.length());
            final int dash = rest.indexOf('-');
            try
            {
                final long pid = Long.parseLong(dash < 0 ? rest : rest.substring(0, dash));
                if (ProcessHandle.of(pid).isEmpty() && Files.isWritable(d.toPath()))
                {
                    deleteQuietly(d);
                }
            }
            catch (final NumberFormatException ex)
            {
                // not one of ours
            }
        }
    }

    private static void onDriverError(final Throwable ex)
    {
        // One line, never a stack trace: the driver reports a peer's doing (a bad packet, an unreachable host) here.
        System.err.println("cell axon: " + ex);
    }

    /**
     * @return the client.
     */
    public Aeron aeron()
    {
        return aeron;
    }

    /**
     * @return the driver's folder.
     */
    public Path dir()
    {
        return dir;
    }

    void register(final AxonKeepAlive end)
    {
        beating.add(end);
    }

    void unregister(final AxonKeepAlive end)
    {
        beating.remove(end);
    }

    private void keep()
    {
        final long periodMs = Math.max(1, KEEPALIVE_INTERVAL_NS / 2_000_000L);
        while (!closed)
        {
            final long nowNs = System.nanoTime();
            for (final AxonKeepAlive end : beating)
            {
                end.keepAlive(nowNs);
            }
            try
            {
                Thread.sleep(periodMs);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    /**
     * Stop the threads, close the client and the driver (its folder goes with it). Only through {@link #release()}:
     * the media is the process's, shared by every axon.
     */
    private void close()
    {
        closed = true;
        keeper.interrupt();
        if (dutyThread != null)
        {
            LockSupport.unpark(dutyThread);
            try
            {
                dutyThread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        final List<AutoCloseable> all = new ArrayList<>(List.of(aeron, driver));
        for (final AutoCloseable c : all)
        {
            try
            {
                c.close();
            }
            catch (final Exception ex)
            {
                onDriverError(ex);
            }
        }
        deleteQuietly(dir.toFile());
    }

    private static void deleteQuietly(final File f)
    {
        final File[] children = f.listFiles();
        if (children != null)
        {
            for (final File c : children)
            {
                deleteQuietly(c);
            }
        }
        f.delete();
    }
}
