package dev.cell.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link PrivateFiles} creates is 0600 (folders 0700) whatever the umask lets through: the assertions compare
 * the exact permission strings, so a build that creates them 0644 (or 0755) fails here.
 */
@Timeout(60)
class PrivateFilesTest
{
    @TempDir
    Path tmp;

    @Test
    void writeCopyEnsureAndOpenCreatePrivateFilesInPrivateFolders() throws Exception
    {
        final Path file = tmp.resolve("a/b/entry.json");
        PrivateFiles.write(file, "{\"token\":\"secret\"}\n");
        assertEquals("{\"token\":\"secret\"}\n", Files.readString(file));
        assertEquals("rw-------", perms(file));
        assertEquals("rwx------", perms(tmp.resolve("a")));
        assertEquals("rwx------", perms(tmp.resolve("a/b")));

        PrivateFiles.write(file, "replaced\n");
        assertEquals("replaced\n", Files.readString(file));
        assertEquals("rw-------", perms(file));
        PrivateFiles.writeAtomically(file, ".entry.json.tmp", "again\n");
        assertEquals("again\n", Files.readString(file));
        assertEquals("rw-------", perms(file));
        try (Stream<Path> left = Files.list(file.getParent()))
        {
            assertEquals(List.of(file), left.toList(), "no temporary file is left behind");
        }

        final Path copy = tmp.resolve("c/copy.jar");
        PrivateFiles.copy(file, copy);
        assertEquals("again\n", Files.readString(copy));
        assertEquals("rw-------", perms(copy));
        assertEquals("rwx------", perms(copy.getParent()));

        final Path out = PrivateFiles.ensureFile(tmp.resolve("log/x.out"));
        assertEquals("rw-------", perms(out));
        Files.writeString(out, "kept");
        PrivateFiles.ensureFile(out);
        assertEquals("kept", Files.readString(out), "an existing output file is appended to, not replaced");

        final Path lock = tmp.resolve("supervisors/t.lock");
        try (FileChannel ch = PrivateFiles.openReadWrite(lock))
        {
            assertTrue(ch.isOpen());
        }
        assertEquals("rw-------", perms(lock));

        final Path appended = tmp.resolve("logs/instance.log");
        PrivateFiles.createDirectories(appended.getParent());
        try (var stream = PrivateFiles.append(appended))
        {
            stream.write('x');
        }
        assertEquals("rw-------", perms(appended));
        assertEquals("rwx------", perms(PrivateFiles.createDirectory(tmp.resolve("run"))));
    }

    @Test
    void anExistingFolderKeepsItsPermissions() throws Exception
    {
        final Path dir = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        PrivateFiles.write(dir.resolve("f"), "x");
        assertEquals("rwxr-x---", perms(dir));
        assertEquals("rw-------", perms(dir.resolve("f")));
    }

    static String perms(final Path p) throws Exception
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
