package dev.cell.cli;

import dev.cell.runtime.genome.Json;
import dev.cell.tissue.supervise.ReplicaGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replica group as {@code cell status} reads it from {@code raft-status} files written here by hand.
 */
@Timeout(60)
class ReplicaGroupTest
{
    private static final long NOW = 1_800_000_000_000L;

    @TempDir
    Path cellDir;

    @Test
    void aLeaderKnownToAMajorityInRecentReportsIsReady() throws Exception
    {
        members("0,1,2");
        report(0, "LEADER", 4, "r0", 120, 120, NOW - 100);
        report(1, "FOLLOWER", 4, "r0", 118, 110, NOW - 400);
        report(2, "FOLLOWER", 4, "r0", 120, 119, NOW - 200);
        final ReplicaGroup g = ReplicaGroup.read(cellDir, 3, NOW);
        assertEquals("ready", g.state(), g.toString());
        assertEquals("r0", g.leader());
        assertEquals(4, g.term());
        assertEquals(3, g.members());
        assertEquals(List.of(0L, 10L, 1L), g.replicas().stream().map(ReplicaGroup.Replica::lag).toList());
        assertEquals(List.of("LEADER", "FOLLOWER", "FOLLOWER"),
            g.replicas().stream().map(ReplicaGroup.Replica::role).toList());
        assertEquals(110, g.replicas().get(1).appliedIndex());
        assertEquals(118, g.replicas().get(1).commitIndex());
    }

    @Test
    void withoutARecentLeaderOrAMajorityTheGroupIsUnavailable() throws Exception
    {
        members("0,1,2");
        report(0, "LEADER", 4, "r0", 120, 120, NOW - 3_500);
        report(1, "FOLLOWER", 4, "r0", 120, 120, NOW - 100);
        report(2, "FOLLOWER", 4, "r0", 120, 120, NOW - 100);
        ReplicaGroup g = ReplicaGroup.read(cellDir, 3, NOW);
        assertEquals("unavailable", g.state(), "the leader's report is stale: " + g);
        assertEquals("unknown", g.replicas().getFirst().role());
        assertEquals(-1, g.replicas().get(1).lag(), "no known leader commit index: lag unknown");

        report(0, "LEADER", 5, "r0", 130, 130, NOW - 100);
        report(1, "CANDIDATE", 6, "", 120, 120, NOW - 100);
        report(2, "FOLLOWER", 4, "r0", 120, 120, NOW - 9_000);
        g = ReplicaGroup.read(cellDir, 3, NOW);
        assertEquals("unavailable", g.state(), "only the leader itself knows it: " + g);
        assertTrue(g.reason().contains("known to 1 of 3 replicas, a majority needs 2"), g.reason());

        report(2, "FOLLOWER", 5, "r0", 130, 125, NOW - 100);
        g = ReplicaGroup.read(cellDir, 3, NOW);
        assertEquals("ready", g.state(), g.toString());
        assertEquals(5, g.replicas().get(2).lag());

        report(0, "FOLLOWER", 5, "", 130, 130, NOW);
        report(2, "FOLLOWER", 5, "", 130, 130, NOW);
        g = ReplicaGroup.read(cellDir, 3, NOW);
        assertEquals("unavailable", g.state());
        assertTrue(g.reason().startsWith("no leader"), g.reason());
    }

    @Test
    void noReportsAtAllIsUnavailableNotReady() throws Exception
    {
        final ReplicaGroup g = ReplicaGroup.read(cellDir, 3, NOW);
        assertEquals("unavailable", g.state());
        assertEquals(3, g.members(), "the declared replicas when there is no group yet");
        assertTrue(g.reason().contains("no replica reported"), g.reason());
        Files.createDirectories(cellDir.resolve(".cell/replicas/1"));
        Files.writeString(cellDir.resolve(".cell/replicas/1/raft-status"), "garbage \\u12");
        assertEquals("unavailable", ReplicaGroup.read(cellDir, 3, NOW).state());
    }

    @Test
    void statusShowsTheGroupOfAStatefulCellInJsonAndText() throws Exception
    {
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kvtest\"\n[state]\nreplicas = 3\n");
        final long now = System.currentTimeMillis();
        members("0,1,2");
        report(0, "FOLLOWER", 2, "r1", 50, 48, now);
        report(1, "LEADER", 2, "r1", 50, 50, now);
        report(2, "FOLLOWER", 2, "r1", 50, 50, now - 60_000);
        final String previous = System.getProperty("cell.home");
        System.setProperty("cell.home", cellDir.resolve("home").toString());
        try
        {
            final Cli json = Cli.run("status", cellDir.toString(), "--json", "--interval", "1ms");
            assertEquals(0, json.code(), json.toString());
            @SuppressWarnings("unchecked") final Map<String, Object> cell =
                (Map<String, Object>)((List<Object>)Json.parseObject(json.out()).get("cells")).getFirst();
            @SuppressWarnings("unchecked") final Map<String, Object> group = (Map<String, Object>)cell.get("group");
            assertEquals("ready", group.get("state"), json.toString());
            assertEquals("r1", group.get("leader"));
            assertEquals(2L, group.get("term"));
            @SuppressWarnings("unchecked") final List<Map<String, Object>> replicas =
                (List<Map<String, Object>>)group.get("replicas");
            assertEquals(2L, replicas.getFirst().get("lag"));
            assertEquals("unknown", replicas.get(2).get("role"));
            assertEquals("not running", cell.get("state"), "no instance runs: the group's files alone do not start it");

            final Cli text = Cli.run("status", cellDir.toString(), "--interval", "1ms");
            assertTrue(text.out().contains("group ready  leader r1  term 2  members 3"), text.toString());
            assertTrue(text.out().contains("replica r0  follower  term 2  commit 50  applied 48  lag 2"),
                text.toString());
            assertTrue(text.out().contains("replica r2  unknown"), text.toString());

            // A running instance whose group lost its leader: "unavailable", not "ready" or "running".
            report(1, "LEADER", 2, "r1", 50, 50, now - 10_000);
            final Process sleeper = new ProcessBuilder("sleep", "60").start();
            try
            {
                final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/kvtest-1"));
                dev.cell.runtime.discovery.InstanceRegistry.register(cellDir.resolve("home"),
                    new dev.cell.runtime.discovery.InstanceRecord("kvtest", "kvtest-1", sleeper.pid(),
                        sleeper.info().startInstant().orElseThrow().toEpochMilli(), runDir, cellDir,
                        "00000000000000ab", "eco"));
                final Cli down = Cli.run("status", cellDir.toString(), "--json", "--interval", "1ms");
                @SuppressWarnings("unchecked") final Map<String, Object> c =
                    (Map<String, Object>)((List<Object>)Json.parseObject(down.out()).get("cells")).getFirst();
                assertEquals("unavailable", c.get("state"), down.toString());
                assertTrue(String.valueOf(c.get("reason")).startsWith("replica group unavailable: no leader"),
                    down.toString());
            }
            finally
            {
                sleeper.destroyForcibly();
            }
        }
        finally
        {
            if (previous == null)
            {
                System.clearProperty("cell.home");
            }
            else
            {
                System.setProperty("cell.home", previous);
            }
        }
    }

    private void members(final String members) throws Exception
    {
        Files.createDirectories(cellDir.resolve(".cell/replicas"));
        Files.writeString(cellDir.resolve(".cell/replicas/group.properties"),
            "group=00000000-0000-0000-0000-000000000001\nmembers=" + members + "\n");
    }

    private void report(final int slot, final String role, final long term, final String leader, final long commit,
        final long applied, final long updatedMs) throws Exception
    {
        final Path dir = Files.createDirectories(cellDir.resolve(".cell/replicas/" + slot));
        Files.writeString(dir.resolve("raft-status"), "role=" + role + "\nterm=" + term + "\nleader=" + leader +
            "\ncommitIndex=" + commit + "\nappliedIndex=" + applied + "\nupdatedMs=" + updatedMs + "\n");
    }
}
