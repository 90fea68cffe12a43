package dev.cell.runtime.junction;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.log.JsonLinesLog;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Everything an instance and its clients create is owner-only: folders 0700, files 0600, whatever the umask.
 */
class PrivateFilesTest
{
    @Test
    void runFolderJunctionsRegistryConsumersAndLogAreOwnerOnly() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        try (CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null,
            cellDir, ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO)
                .withInstanceId("perm-" + ProcessHandle.current().pid()));
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(),
                Map.of("echo", "02"), client(home)))
        {
            final Path runDir = server.runDir();
            assertPrivateDir(runDir);
            assertPrivateDir(runDir.resolve("junctions"));
            assertPrivateFile(runDir.resolve(InstanceFile.FILE_NAME));
            final List<Path> junctions;
            try (Stream<Path> files = Files.list(runDir.resolve("junctions")))
            {
                junctions = files.toList();
            }
            assertEquals(1, junctions.size());
            assertPrivateFile(junctions.getFirst());

            final Path entry = InstanceRegistry.file(home, EchoCell.NAME, server.instanceId());
            assertPrivateFile(entry);
            assertPrivateDir(entry.getParent());
            assertPrivateDir(InstanceRegistry.dir(home));

            final Path consumers = ConsumerRegistry.dir(home, EchoCell.NAME);
            assertPrivateDir(consumers);
            try (Stream<Path> files = Files.list(consumers))
            {
                final List<Path> records = files.toList();
                assertFalse(records.isEmpty(), "consumer recorded");
                for (final Path r : records)
                {
                    assertPrivateFile(r);
                }
            }

            final Path logFile = JsonLinesLog.logFile(cellDir.toAbsolutePath().normalize(),
                server.instanceId());
            assertPrivateFile(logFile);
            assertPrivateDir(logFile.getParent());
        }
    }

    @Test
    void theAssertionRejectsAWorldReadableFile() throws Exception
    {
        final Path file = newDir("umask").resolve("plain.txt");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        assertThrows(AssertionError.class, () -> assertPrivateFile(file));
    }

    static void assertPrivateFile(final Path file) throws Exception
    {
        assertTrue(Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS), file + " is a file");
        assertEquals("rw-------", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)), file.toString());
    }

    static void assertPrivateDir(final Path dir) throws Exception
    {
        assertTrue(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS), dir + " is a folder");
        assertEquals("rwx------", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS)), dir.toString());
    }
}
