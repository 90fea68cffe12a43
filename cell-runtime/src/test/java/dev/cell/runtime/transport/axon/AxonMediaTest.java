package dev.cell.runtime.transport.axon;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The process's driver: one per process while used, its folder owner-only and gone after the last user; folders of
 * dead processes are swept.
 */
class AxonMediaTest
{
    @Test
    void oneOwnerOnlyDriverPerProcessWhileUsed()
    {
        final AxonMedia first = AxonMedia.acquire();
        final Path dir = first.dir();
        try
        {
            final AxonMedia second = AxonMedia.acquire();
            assertSame(first, second);
            second.release();
            assertTrue(Files.isDirectory(dir), "still used by the first");
            assertEquals("rwx------", PosixFilePermissions.toString(posix(dir)));
        }
        finally
        {
            first.release();
        }
        assertFalse(Files.exists(dir), "deleted with the last user");
    }

    @Test
    void foldersOfDeadProcessesAreSweptOthersKept() throws Exception
    {
        final Path base = Files.createTempDirectory("axon-sweep");
        final Path dead = Files.createDirectories(base.resolve("cell-aeron-" + Integer.MAX_VALUE + "-ab"));
        Files.writeString(dead.resolve("cnc.dat"), "x");
        final Path alive = Files.createDirectories(base.resolve("cell-aeron-" + ProcessHandle.current().pid() + "-cd"));
        final Path other = Files.createDirectories(base.resolve("cell-aeron-notapid"));
        AxonMedia.sweepDeadDirs(base);
        assertFalse(Files.exists(dead));
        assertTrue(Files.exists(alive));
        assertTrue(Files.exists(other));
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> posix(final Path p)
    {
        try
        {
            return Files.getPosixFilePermissions(p);
        }
        catch (final java.io.IOException ex)
        {
            throw new AssertionError(ex);
        }
    }
}
