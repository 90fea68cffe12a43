package dev.cell.examples.kv;

import dev.cell.raft.GroupMember;
import dev.cell.raft.Replica;
import dev.cell.systemtest.net.NetNamespaces;
import dev.cell.systemtest.net.NetnsRequirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code kv} cell with its three replicas on three hosts (network namespaces this test creates, one replica JVM
 * in each; the group spans hosts, so Ratis runs over gRPC with the group's mutual TLS between the namespaces'
 * addresses): concurrent clients write and read through every replica while the leader's host is killed (-9) and
 * restarted, twice, then a follower's; the recorded history must be linearizable and the replicas must end with the
 * same state. The clients reach each replica over its junction (the hosts share this machine's files), as a client
 * on that replica's host would.
 */
@Timeout(600)
class KvNamespacesSystemTest
{
    private static final int PORT = 7800;

    @Test
    void aKvGroupAcrossThreeHostsStaysLinearizableWhileHostsAreKilledAndRestarted() throws Exception
    {
        NetnsRequirement.requireNetns();
        final long seed = KvFaultTest.seed();
        try (NetNamespaces net = NetNamespaces.create(KvCluster.REPLICAS);
             KvCluster cluster = new KvCluster("netns", KvFaultTest.FAST,
                 slot -> net.command(net.host(slot), List.of())))
        {
            final List<GroupMember> members = new ArrayList<>();
            for (int i = 0; i < KvCluster.REPLICAS; i++)
            {
                members.add(new GroupMember(i, net.host(i).ip(), PORT, false));
            }
            Replica.defineGroup(cluster.cellDir, members);
            cluster.startAll();
            final long startNs = System.nanoTime();
            final int first = cluster.awaitLeader(Duration.ofSeconds(60));
            System.out.printf("kv across hosts: leader r%d elected %d ms after the replicas registered%n", first,
                (System.nanoTime() - startNs) / 1_000_000L);
            try (KvHistory history = new KvHistory(cluster, seed))
            {
                history.start(3);
                KvFaultTest.awaitProgress(history, 20, Duration.ofSeconds(60));
                for (int round = 0; round < 3; round++)
                {
                    final int leader = cluster.awaitLeader(Duration.ofSeconds(60));
                    final int victim = round < 2 ? leader : (leader + 1) % KvCluster.REPLICAS;
                    final long before = history.acknowledgedWrites();
                    final long killedNs = System.nanoTime();
                    cluster.kill9(victim);
                    KvFaultTest.awaitProgress(history, 10, Duration.ofSeconds(60));
                    System.out.printf("kv across hosts: host %d (%s) killed -9: 10 more writes acknowledged by the " +
                        "other two after %d ms%n", victim, round < 2 ? "leader" : "follower",
                        (System.nanoTime() - killedNs) / 1_000_000L);
                    cluster.start(victim);
                    cluster.awaitRegistered(victim);
                    KvFaultTest.awaitProgress(history, 10, Duration.ofSeconds(60));
                    assertTrue(history.acknowledgedWrites() > before + 20);
                }
                history.close();
                System.out.println("kv across hosts: acknowledged writes " + history.acknowledgedWrites() +
                    ", reads " + history.reads());
                KvFaultTest.awaitConverged(cluster);
                KvFaultTest.assertLinearizable(history);
            }
        }
    }
}
