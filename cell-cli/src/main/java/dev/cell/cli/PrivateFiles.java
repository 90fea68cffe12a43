package dev.cell.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files only their owner may read: every file the command writes under {@code $CELL_HOME} (supervisor entries
 * with their control token, dormant entries, the artifact store, lock files) and its instances' output files.
 * Files are created {@code 0600} and folders {@code 0700} <em>at creation</em> (the permissions are an attribute of
 * the {@code open}/{@code mkdir} call, never a {@code chmod} afterwards, which would leave a window in which
 * another user can open the file and keep the descriptor). Replacing writes go to a private temporary file in the
 * same folder, then an atomic rename. Folders that already exist keep their permissions. On a file system without
 * POSIX permissions the files are as private as the folder they are in.
 *
 * @since 0.1
 */
final class PrivateFiles
{
    /**
     * {@code rw-------}.
     */
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    /**
     * {@code rwx------}.
     */
    static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final AtomicLong TMP_SEQUENCE = new AtomicLong();

    private PrivateFiles()
    {
    }

    /**
     * Create a folder and its missing parents, each created {@code 0700}.
     *
     * @param dir the folder.
     * @return the folder.
     * @throws IOException when it cannot be created.
     */
    static Path createDirectories(final Path dir) throws IOException
    {
        if (Files.isDirectory(dir))
        {
            return dir;
        }
        return POSIX ? Files.createDirectories(dir, dirAttribute()) : Files.createDirectories(dir);
    }

    /**
     * Write a file atomically: a new {@code 0600} temporary file beside it, then a rename over it.
     *
     * @param file the file (its folder is created {@code 0700} when missing).
     * @param text the content, UTF-8.
     * @throws IOException when it cannot be written.
     */
    static void write(final Path file, final String text) throws IOException
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        replace(file, out -> out.write(bytes));
    }

    /**
     * Copy a file to a new private file, atomically (temporary file, then rename).
     *
     * @param source what to copy.
     * @param target where (its folder is created {@code 0700} when missing).
     * @throws IOException when it cannot be copied.
     */
    static void copy(final Path source, final Path target) throws IOException
    {
        replace(target, out ->
        {
            try (InputStream in = Files.newInputStream(source))
            {
                in.transferTo(out);
            }
        });
    }

    /**
     * Create an empty {@code 0600} file unless it exists (for output that is then appended to).
     *
     * @param file the file (its folder is created {@code 0700} when missing).
     * @return the file.
     * @throws IOException when it cannot be created.
     */
    static Path ensureFile(final Path file) throws IOException
    {
        if (file.getParent() != null)
        {
            createDirectories(file.getParent());
        }
        try
        {
            if (POSIX)
            {
                Files.createFile(file, fileAttribute());
            }
            else
            {
                Files.createFile(file);
            }
        }
        catch (final FileAlreadyExistsException ignore)
        {
            // Appended to, as before.
        }
        return file;
    }

    /**
     * Open (creating it {@code 0600} when absent) a file for reading and writing, e.g. to lock it.
     *
     * @param file the file (its folder is created {@code 0700} when missing).
     * @return the channel.
     * @throws IOException when it cannot be opened.
     */
    static FileChannel openReadWrite(final Path file) throws IOException
    {
        if (file.getParent() != null)
        {
            createDirectories(file.getParent());
        }
        final Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        return POSIX ? FileChannel.open(file, options, fileAttribute()) : FileChannel.open(file, options);
    }

    private interface Content
    {
        void writeTo(OutputStream out) throws IOException;
    }

    private static void replace(final Path file, final Content content) throws IOException
    {
        final Path dir = file.toAbsolutePath().getParent();
        createDirectories(dir);
        final Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." +
            TMP_SEQUENCE.incrementAndGet() + ".tmp");
        final Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try
        {
            try (SeekableByteChannel ch = POSIX ? Files.newByteChannel(tmp, options, fileAttribute()) :
                Files.newByteChannel(tmp, options); OutputStream out = Channels.newOutputStream(ch))
            {
                content.writeTo(out);
            }
            try
            {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally
        {
            Files.deleteIfExists(tmp);
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> fileAttribute()
    {
        return PosixFilePermissions.asFileAttribute(FILE);
    }

    private static FileAttribute<Set<PosixFilePermission>> dirAttribute()
    {
        return PosixFilePermissions.asFileAttribute(DIR);
    }
}
