package dev.cell.raft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The group's files are private: created 0700/0600, and a group.properties an older version left readable by others
 * is replaced by a private one at the next start.
 */
class GroupConfigTest
{
    @TempDir
    Path tmp;

    private static String permissions(final Path p) throws Exception
    {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theGroupFilesArePrivateAndAnOldReadableOneIsReplaced() throws Exception
    {
        final Path cellDir = tmp.resolve("cell");
        final GroupConfig created = GroupConfig.loadOrCreate(cellDir, 3);
        final Path dir = GroupConfig.replicasDir(cellDir);
        assertEquals("rwx------", permissions(cellDir.resolve(".cell")));
        assertEquals("rwx------", permissions(dir));
        assertEquals("rw-------", permissions(dir.resolve(GroupConfig.FILE)));
        assertEquals("rw-------", permissions(dir.resolve("group.lock")));
        try (GroupConfig.SlotLock lock = created.claim(1))
        {
            assertEquals("rwx------", permissions(created.slotDir(1)));
            assertEquals("rw-------", permissions(created.slotDir(1).resolve("replica.lock")));
        }

        Files.setPosixFilePermissions(dir.resolve(GroupConfig.FILE), PosixFilePermissions.fromString("rw-r--r--"));
        final GroupConfig again = GroupConfig.loadOrCreate(cellDir, 3);
        assertEquals(created.groupId, again.groupId);
        assertEquals(created.ports, again.ports);
        assertEquals("rw-------", permissions(dir.resolve(GroupConfig.FILE)));
    }

    @Test
    void slotPortsLieBelowTheEphemeralRangeOutgoingConnectionsUse() throws Exception
    {
        final Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(range), "not Linux");
        final int low = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
        org.junit.jupiter.api.Assumptions.assumeTrue(low > 21_000, "no room below the ephemeral range here");
        for (int i = 0; i < 20; i++)
        {
            final int port = GroupConfig.freePort();
            org.junit.jupiter.api.Assertions.assertTrue(port >= 20_000 && port < low, port + " vs " + low);
        }
    }
}
