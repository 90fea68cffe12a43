package dev.cell.cli;

import dev.cell.raft.GroupMember;
import dev.cell.raft.Replica;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell registry status} without live servers: a folder with no group is a user error, and a group none of
 * whose servers answers is reported as such (exit 2, every replica unreachable with its reason). The answers of
 * live servers are checked by the registry's {@code RegistryHostsTest}, which asks them the same way.
 */
@Timeout(60)
class RegistryStatusCommandTest
{
    @TempDir
    Path tmp;

    @Test
    void aFolderWithoutAGroupIsAUserError()
    {
        final Cli r = Cli.run("registry", "status", tmp.toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, r.code(), r.toString());
        assertTrue(r.err().contains("holds no replica group"), r.toString());
    }

    @Test
    void aGroupWithNoServerUpHasNoLeaderAndNamesEachReplica() throws IOException
    {
        final List<GroupMember> members = List.of(new GroupMember(0, "127.0.0.1", freePort(), false),
            new GroupMember(1, "127.0.0.2", freePort(), false), new GroupMember(2, "127.0.0.3", freePort(), true));
        Replica.defineGroup(tmp, members);
        final Cli r = Cli.run("registry", "status", tmp.toString(), "--timeout-ms", "500");
        assertEquals(CellCommand.EXIT_SDK_FAILURE, r.code(), r.toString());
        assertTrue(r.out().contains("no leader answered"), r.toString());
        for (final GroupMember m : members)
        {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("r" + m.slot() + " ") &&
                l.contains(m.host() + ":" + m.port()) && l.contains(m.listener() ? "listener" : "voter") &&
                l.contains("unreachable")), r.toString());
            assertTrue(r.out().contains("r" + m.slot() + " did not answer: "), r.toString());
        }
        final Cli json = Cli.run("registry", "status", tmp.toString(), "--timeout-ms", "500", "--json");
        assertTrue(json.out().startsWith("{\"group\":") && json.out().contains("\"leader\":null"), json.toString());
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
        }
    }
}
