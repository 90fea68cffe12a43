package dev.cell.cli;

import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.supervise.SupervisorLock;
import dev.cell.tissue.supervise.Supervisors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Files the command writes under the cell home are created 0600 (folders 0700) whatever the umask lets through
 * (through {@link dev.cell.ring.PrivateFiles}, tested on its own in shm-ring): the assertions compare the exact
 * permission strings, so a build that creates them 0644 fails here.
 */
@Timeout(60)
class PrivateFilesTest
{
    @TempDir
    Path tmp;

    @Test
    void whatTheCommandWritesIsPrivate() throws Exception
    {
        final Path home = tmp.resolve("home");
        final Path cellDir = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("probe")), "");
        new Instances(home).recordCell("probe", cellDir);
        assertEquals("rw-------", perms(home.resolve("cells/probe.json")));
        assertEquals("rwx------", perms(home.resolve("cells")));
        assertEquals("rwx------", perms(home));

        final TissueTree tree = TissueTree.load(cellDir);
        try (SupervisorLock ignored = SupervisorLock.acquire(home, tree))
        {
            assertEquals("rw-------", perms(SupervisorLock.file(home, "probe")));
            assertEquals("rwx------", perms(Supervisors.dir(home)));
        }
    }

    static String perms(final Path p) throws Exception
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
