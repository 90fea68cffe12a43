package dev.cell.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files and folders only their owner can use, created with those permissions (folders 0700, files 0600: the
 * permissions are given to the create call, never set afterwards, so there is no moment in which another local user
 * could open them), and the fsync discipline that makes a rename survive a power loss: the file's content is forced
 * before the rename and its folder after it.
 *
 * @since 0.1
 */
public final class PrivateFiles
{
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles()
    {
    }

    /**
     * @return the attribute creating a folder 0700 (none where the file system has no POSIX permissions).
     */
    public static FileAttribute<?>[] dirAttributes()
    {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIR)} : new FileAttribute<?>[0];
    }

    /**
     * @return the attribute creating a file 0600 (none where the file system has no POSIX permissions).
     */
    public static FileAttribute<?>[] fileAttributes()
    {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    /**
     * Create a folder and any missing parents, each one created 0700 (existing ones are left as they are).
     *
     * @param dir the folder.
     * @return {@code dir}.
     * @throws IOException when it cannot be created.
     */
    public static Path createDirectories(final Path dir) throws IOException
    {
        return Files.createDirectories(dir, dirAttributes());
    }

    /**
     * Open (creating it 0600 when absent) a file for writing, e.g. a lock file.
     *
     * @param file the file.
     * @return the open channel.
     * @throws IOException when it cannot be opened.
     */
    public static FileChannel openForWrite(final Path file) throws IOException
    {
        return FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
            fileAttributes());
    }

    /**
     * Replace {@code target} with {@code content} atomically: a sibling {@code .tmp} file created 0600, written,
     * renamed over the target. When {@code durable}, the temporary file is forced before the rename and the folder
     * after it, so after a crash the target holds either the old or the new content, also after a power loss.
     *
     * @param target  the file to replace.
     * @param content its new content.
     * @param durable whether to fsync.
     * @throws IOException when it cannot be written.
     */
    public static void writeAtomically(final Path target, final byte[] content, final boolean durable)
        throws IOException
    {
        final Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp,
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), fileAttributes()))
        {
            final ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining())
            {
                ch.write(b);
            }
            if (durable)
            {
                ch.force(true);
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (durable)
        {
            fsyncDirectory(target.toAbsolutePath().getParent());
        }
    }

    /**
     * Rename {@code from} to {@code to} atomically and fsync the folder(s) holding them.
     *
     * @param from the existing path.
     * @param to   the new path (must not exist, unless it is a file).
     * @throws IOException when the rename fails.
     */
    public static void renameDurably(final Path from, final Path to) throws IOException
    {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        final Path fromParent = from.toAbsolutePath().getParent();
        final Path toParent = to.toAbsolutePath().getParent();
        fsyncDirectory(toParent);
        if (!fromParent.equals(toParent))
        {
            fsyncDirectory(fromParent);
        }
    }

    /**
     * Force a folder's entries (names created, renamed or deleted in it) to disk.
     *
     * @param dir the folder.
     * @throws IOException when it cannot be opened or forced.
     */
    public static void fsyncDirectory(final Path dir) throws IOException
    {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ))
        {
            ch.force(true);
        }
    }

    /**
     * Force every file and folder under {@code root} (and {@code root} itself) to disk.
     *
     * @param root a file or folder.
     * @throws IOException when one cannot be forced.
     */
    public static void fsyncTree(final Path root) throws IOException
    {
        final List<Path> all;
        try (Stream<Path> s = Files.walk(root))
        {
            all = s.toList();
        }
        for (int i = all.size() - 1; i >= 0; i--)
        {
            final Path p = all.get(i);
            if (Files.isDirectory(p))
            {
                fsyncDirectory(p);
            }
            else
            {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ))
                {
                    ch.force(true);
                }
            }
        }
    }
}
