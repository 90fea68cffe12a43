package dev.cell.ring;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
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

/**
 * Files and folders only their owner can use: folders {@code rwx------} (0700), files {@code rw-------} (0600),
 * given at creation (never a chmod after the fact, which would leave a window where another local user can open
 * them). Used for everything an instance or a client creates: run folders, {@code instance.dat}, junctions,
 * registry entries, logs. On a file system without POSIX permissions the attributes are left out.
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
        createDirectories(target.getParent());
        final Path tmp = target.resolveSibling(tmpName);
        Files.deleteIfExists(tmp);
        try (FileChannel channel = open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
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
}
