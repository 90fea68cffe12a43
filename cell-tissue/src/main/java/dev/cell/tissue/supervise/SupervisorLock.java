package dev.cell.tissue.supervise;

import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueTree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

/**
 * One supervisor per tissue on a host: {@code $CELL_HOME/supervisors/<tissue>.lock} (created {@code 0600}), locked
 * with {@link FileChannel#tryLock()} by the process that supervises the tissue for as long as it lives, holding
 * its pid, start time and folder. The kernel drops the lock when that process dies, however it dies, so a lock is
 * never stale; the file itself stays (deleting a lock file would let two processes lock two different files).
 * A second {@code cell mitosis} of the same tissue finds the lock taken and refuses, naming the holder.
 *
 * @since 0.1
 */
public final class SupervisorLock implements AutoCloseable
{
    private static final long HOLDER_WAIT_NS = 1_000_000_000L;

    private final FileChannel channel;
    private final FileLock lock;

    private SupervisorLock(final FileChannel channel, final FileLock lock)
    {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @param cellHome the cell home.
     * @param tissue   the tissue's name.
     * @return its lock file.
     */
    public static Path file(final Path cellHome, final String tissue)
    {
        return Supervisors.dir(cellHome).resolve(tissue + ".lock");
    }

    /**
     * Take the tissue's lock for this process's lifetime (or until {@link #close()}).
     *
     * @param cellHome the cell home.
     * @param tree     the tissue.
     * @return the held lock.
     * @throws UserError naming the supervisor that holds it.
     */
    public static SupervisorLock acquire(final Path cellHome, final TissueTree tree)
    {
        final Path file = file(cellHome, tree.name());
        FileChannel ch = null;
        try
        {
            ch = PrivateFiles.openReadWrite(file);
            final FileLock lock;
            try
            {
                lock = ch.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                throw refusal(tree, Liveness.currentPid(), tree.root().dir().toString());
            }
            if (lock == null)
            {
                final Properties holder = holder(ch);
                throw refusal(tree, Long.parseLong(holder.getProperty("pid", "-1")), holder.getProperty("root", ""));
            }
            final Properties me = new Properties();
            me.setProperty("pid", Long.toString(Liveness.currentPid()));
            me.setProperty("startEpochMs", Long.toString(Liveness.currentStartEpochMs()));
            me.setProperty("root", tree.root().dir().toString());
            final java.io.StringWriter text = new java.io.StringWriter();
            me.store(text, "supervisor of tissue " + tree.name());
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new SupervisorLock(ch, lock);
        }
        catch (final IOException ex)
        {
            close(ch);
            throw new UserError("cannot lock " + file + " (one supervisor per tissue): " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            close(ch);
            throw ex;
        }
    }

    /**
     * Refuse at once when the tissue already has a supervisor (used before a detached start builds and forks the
     * supervisor process, which then takes the lock itself).
     *
     * @param cellHome the cell home.
     * @param tree     the tissue.
     * @throws UserError naming the supervisor that holds the lock.
     */
    public static void checkFree(final Path cellHome, final TissueTree tree)
    {
        acquire(cellHome, tree).close();
    }

    private static UserError refusal(final TissueTree tree, final long pid, final String root)
    {
        return new UserError("tissue '" + tree.name() + "' is already supervised by " +
            (pid > 0 ? "pid " + pid : "another cell mitosis (its pid is unknown)") +
            (root.isEmpty() ? "" : " (started from " + root + ")") + "; a second cell mitosis would start " +
            "everything twice: stop it first with `cell stop " + tree.root().dir() + "`, or replace its " +
            "instances with `cell restart`");
    }

    /**
     * Read what the holder wrote; it writes right after locking, so an empty file is waited on briefly.
     */
    private static Properties holder(final FileChannel ch) throws IOException
    {
        final long deadline = System.nanoTime() + HOLDER_WAIT_NS;
        while (true)
        {
            final long size = ch.size();
            if (size > 0 && size < 64 * 1024)
            {
                final ByteBuffer buf = ByteBuffer.allocate((int)size);
                ch.read(buf, 0);
                final Properties p = new Properties();
                p.load(new java.io.StringReader(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)));
                if (p.getProperty("pid") != null)
                {
                    try
                    {
                        Long.parseLong(p.getProperty("pid"));
                        return p;
                    }
                    catch (final NumberFormatException ignore)
                    {
                        // Half written: read again.
                    }
                }
            }
            if (System.nanoTime() - deadline > 0)
            {
                return new Properties();
            }
            LockSupport.parkNanos(20_000_000L);
        }
    }

    /**
     * Release the lock (the process's exit does the same).
     */
    @Override
    public void close()
    {
        try
        {
            lock.release();
        }
        catch (final IOException ignore)
        {
            // Released with the channel below.
        }
        close(channel);
    }

    private static void close(final FileChannel ch)
    {
        if (ch == null)
        {
            return;
        }
        try
        {
            ch.close();
        }
        catch (final IOException ignore)
        {
            // Nothing held any more.
        }
    }
}
