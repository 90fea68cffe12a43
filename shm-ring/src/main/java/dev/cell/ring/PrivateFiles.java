package dev.cell.ring;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Files and folders only their owner can use: folders {@code rwx------} (0700), files {@code rw-------} (0600),
 * given at creation (never a chmod after the fact, which would leave a window where another local user can open
 * them). Used for everything Cell creates: an instance's or a client's run folders, {@code instance.dat},
 * junctions, registry entries and logs; the command's files under {@code $CELL_HOME} (supervisor entries with their
 * control token, dormant entries, the artifact store, lock files) and its instances' output files. Replacing writes
 * go to a private temporary file in the same folder, then an atomic rename. Folders that already exist keep their
 * permissions. On a file system without POSIX permissions the attributes are left out (files are then as private as
 * their folder).
 *
 * @since 0.1
 */
public final class PrivateFiles
{
    /**
     * rwx------.
     */
    public static final Set<PosixFilePermission> DIR_PERMISSIONS = PosixFilePermissions.fromString("rwx------");

    /**
     * rw-------.
     */
    public static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-------");

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final FileAttribute<?>[] DIR_ATTRS = POSIX ?
        new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(DIR_PERMISSIONS)} : new FileAttribute<?>[0];
    private static final FileAttribute<?>[] FILE_ATTRS = POSIX ?
        new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS)} : new FileAttribute<?>[0];
    private static final AtomicLong TMP_SEQUENCE = new AtomicLong();

    private PrivateFiles()
    {
    }

    /**
     * Create a folder and any missing parents, each new one 0700 (existing ones are left as they are).
     *
     * @param dir the folder.
     * @return it.
     * @throws IOException when it cannot be created.
     */
    public static Path createDirectories(final Path dir) throws IOException
    {
        return Files.createDirectories(dir, DIR_ATTRS);
    }

    /**
     * Create one folder 0700; its parent must exist.
     *
     * @param dir the folder (must not exist).
     * @return it.
     * @throws IOException when it exists or cannot be created.
     */
    public static Path createDirectory(final Path dir) throws IOException
    {
        return Files.createDirectory(dir, DIR_ATTRS);
    }

    /**
     * Open a file channel, creating the file 0600 when the options create it.
     *
     * @param path    the file.
     * @param options open options (e.g. CREATE_NEW, READ, WRITE).
     * @return the channel.
     * @throws IOException when it cannot be opened.
     */
    public static FileChannel open(final Path path, final OpenOption... options) throws IOException
    {
        return FileChannel.open(path, Set.of(options), FILE_ATTRS);
    }

    /**
     * Open a file for appending, creating it 0600 when it does not exist.
     *
     * @param path the file.
     * @return a stream appending to it.
     * @throws IOException when it cannot be opened.
     */
    public static OutputStream append(final Path path) throws IOException
    {
        return Channels.newOutputStream(
            open(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
    }

    /**
     * Open (creating it 0600 when absent, its folder 0700 when missing) a file for reading and writing, e.g. to lock
     * it.
     *
     * @param file the file.
     * @return the channel.
     * @throws IOException when it cannot be opened.
     */
    public static FileChannel openReadWrite(final Path file) throws IOException
    {
        createParent(file);
        return open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /**
     * Create an empty 0600 file unless it exists (for output that is then appended to); its folder is created 0700
     * when missing.
     *
     * @param file the file.
     * @return the file.
     * @throws IOException when it cannot be created.
     */
    public static Path ensureFile(final Path file) throws IOException
    {
        createParent(file);
        try
        {
            Files.createFile(file, FILE_ATTRS);
        }
        catch (final FileAlreadyExistsException ignore)
        {
            // Appended to, as before.
        }
        return file;
    }

    /**
     * Write {@code text} to {@code target} atomically: into a new 0600 sibling {@code tmpName}, then renamed over
     * the target (parents created 0700).
     *
     * @param target  the file.
     * @param tmpName the temporary sibling's name (unique per writer).
     * @param text    the content (UTF-8).
     * @throws IOException when it cannot be written.
     */
    public static void writeAtomically(final Path target, final String tmpName, final String text) throws IOException
    {
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        replace(target, tmpName, out -> out.write(bytes));
    }

    /**
     * Write {@code text} to {@code target} atomically, through a temporary sibling named after this process.
     *
     * @param target the file (its folder is created 0700 when missing).
     * @param text   the content (UTF-8).
     * @throws IOException when it cannot be written.
     */
    public static void write(final Path target, final String text) throws IOException
    {
        writeAtomically(target, tmpName(target), text);
    }

    /**
     * Copy a file to a new private file, atomically (temporary sibling, then rename).
     *
     * @param source what to copy.
     * @param target where (its folder is created 0700 when missing).
     * @throws IOException when it cannot be copied.
     */
    public static void copy(final Path source, final Path target) throws IOException
    {
        replace(target, tmpName(target), out ->
        {
            try (InputStream in = Files.newInputStream(source))
            {
                in.transferTo(out);
            }
        });
    }

    /**
     * What a replacing write puts into its temporary file.
     */
    @FunctionalInterface
    private interface Content
    {
        void writeTo(OutputStream out) throws IOException;
    }

    private static String tmpName(final Path target)
    {
        return "." + target.getFileName() + "." + ProcessHandle.current().pid() + "." +
            TMP_SEQUENCE.incrementAndGet() + ".tmp";
    }

    private static void createParent(final Path file) throws IOException
    {
        final Path parent = file.toAbsolutePath().getParent();
        if (parent != null)
        {
            createDirectories(parent);
        }
    }

    private static void replace(final Path target, final String tmpName, final Content content) throws IOException
    {
        createParent(target);
        final Path tmp = target.resolveSibling(tmpName);
        // A leftover of a writer that died with the same name: it is ours to replace.
        Files.deleteIfExists(tmp);
        try
        {
            try (OutputStream out = Channels.newOutputStream(
                open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)))
            {
                content.writeTo(out);
            }
            try
            {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally
        {
            Files.deleteIfExists(tmp);
        }
    }
}
