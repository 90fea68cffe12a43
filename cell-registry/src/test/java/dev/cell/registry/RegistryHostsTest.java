package dev.cell.registry;

import dev.cell.raft.GroupMember;
import dev.cell.raft.GroupStatus;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry as four hosts would run it, in one JVM: four registry folders (one per host, the group defined in the
 * first and copied to the others), each replica bound to its own loopback address (127.0.0.1-4, so the group spans
 * "hosts" and runs Ratis over gRPC with the group's mutual TLS), voters on the first three, a listener on the
 * fourth. Checked: the listener keeps the full list and answers it locally; when the leader's host goes, the listener
 * is promoted; with a second original voter gone too, announcements still commit. The multi-process version, with
 * network namespaces and kill -9, is the system tests' {@code RegistryNamespacesSystemTest}.
 */
@Timeout(240)
class RegistryHostsTest
{
    private static final int HOSTS = 4;
    private static final long PROMOTE_AFTER_MS = 1_500;

    private Path root;
    private final RegistryNode[] nodes = new RegistryNode[HOSTS];
    private final List<AutoCloseable> leases = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (final AutoCloseable l : leases)
        {
            l.close();
        }
        for (int i = 0; i < HOSTS; i++)
        {
            stop(i);
        }
        Harness.deleteTree(root);
    }

    private static String address(final int host)
    {
        return "127.0.0." + (host + 1);
    }

    private Path dir(final int host)
    {
        return root.resolve("host-" + host).resolve("registry");
    }

    private Path home(final int host)
    {
        return root.resolve("host-" + host).resolve("home");
    }

    private void start(final int host)
    {
        final Identity key = Identity.loadOrCreate(AxonOptions.identityFileOf(dir(host)));
        nodes[host] = RegistryNode.start(dir(host), ReplicaOptions.defaults().withSlot(host).withSnapshotEvery(0)
            .withPromoteAfterMs(PROMOTE_AFTER_MS)
            .withServer(ServerOptions.defaults().withCellHome(home(host)).withInstanceId("registry-r" + host)),
            RegistryConfig.defaults(key));
    }

    private void stop(final int host)
    {
        if (nodes[host] != null)
        {
            nodes[host].close();
            nodes[host] = null;
        }
    }

    private ClientOptions options(final int host)
    {
        return ClientOptions.defaults().withCellHome(home(host)).withClientName("hosts-test")
            .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(5));
    }

    private List<String> listedOn(final int host)
    {
        try (RegistryClient reader = RegistryClient.connect(options(host)))
        {
            final List<String> ids = new ArrayList<>();
            reader.instances(new Lookup("exchange", "", "", "", 0)).instances()
                .forEach(info -> ids.add(info.instanceId()));
            return ids;
        }
    }

    private boolean everyRunningHostLists(final List<String> ids)
    {
        for (int i = 0; i < HOSTS; i++)
        {
            if (nodes[i] != null && !listedOn(i).equals(ids))
            {
                return false;
            }
        }
        return true;
    }

    private RegistryLease lease(final Identity key, final String id, final List<Integer> through)
    {
        final List<ClientOptions> replicas = new ArrayList<>();
        through.forEach(h -> replicas.add(options(h)));
        final RegistryLease lease = new RegistryLease(key, new RegistryLease.Spec("exchange", "1.0.0",
            "0123456789abcdef", id, "host-3", "lab", "", address(3) + ":7400", List.of()), replicas);
        leases.add(lease);
        return lease;
    }

    private int leader()
    {
        for (int i = 0; i < HOSTS; i++)
        {
            if (nodes[i] != null && nodes[i].isLeader())
            {
                return i;
            }
        }
        return -1;
    }

    private static int freePort(final String host) throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host)))
        {
            return s.getLocalPort();
        }
    }

    @Test
    void aListenerOnTheFourthHostIsPromotedWhenAVoterHostGoesAndWritesCommitWithTwoOriginalVotersGone()
        throws Exception
    {
        root = Harness.tmp("registry-hosts");
        final List<GroupMember> members = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++)
        {
            members.add(new GroupMember(i, address(i), freePort(address(i)), i == HOSTS - 1));
        }
        RegistryHost.define(dir(0), members);
        for (int i = 1; i < HOSTS; i++)
        {
            RegistryHost.copy(dir(0), dir(i));
        }
        final String secret = ".cell/replicas/group.secret";
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(dir(0).resolve(secret)),
            Files.readAllBytes(dir(3).resolve(secret))), "every host has the group's secret");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir(3).resolve(secret))), "copied secrets stay private");
        for (int i = 0; i < HOSTS; i++)
        {
            start(i);
        }
        RegistryGroup.await("a leader among the voters", Duration.ofSeconds(60), () -> leader() >= 0);
        assertTrue(leader() < HOSTS - 1, "a listener never leads");
        assertEquals("LISTENER", nodes[3].replica().role());

        // Announced through the listener's host (forwarded to the leader), listed by every host's own replica.
        final Identity key = Harness.identity(root, "exchange");
        final RegistryLease first = lease(key, "exchange-1", List.of(3, 0, 1, 2));
        first.announce();
        first.startRenewing(() -> RegistryLease.Load.NONE);
        RegistryGroup.await("exchange-1 on every host", Duration.ofSeconds(20),
            () -> everyRunningHostLists(List.of("exchange-1")));

        // The group as its servers answer, asked from the listener's host over the group's gRPC with mutual TLS.
        final int leaderNow = leader();
        final GroupStatus status = GroupStatus.query(dir(3), Duration.ofSeconds(5));
        System.out.println("group status from host 3: " + status);
        assertEquals(leaderNow, status.leader());
        assertEquals(List.of(0, 1, 2, 3), status.peers().stream().map(GroupStatus.Peer::slot).toList(),
            "voters first, then the listener");
        for (final GroupStatus.Peer p : status.peers())
        {
            assertEquals(p.slot() == 3 ? "listener" : "voter", p.member());
            assertEquals(p.slot() == leaderNow ? "LEADER" : p.slot() == 3 ? "LISTENER" : "FOLLOWER", p.role());
            assertEquals(address(p.slot()), p.address().substring(0, p.address().indexOf(':')));
            assertTrue(p.appliedIndex() > 0 && p.lag() >= 0, p.toString());
            assertTrue(p.slot() == leaderNow ? p.lastContactMs() == -1 : p.lastContactMs() >= 0, p.toString());
        }

        // The leader's host goes: after PROMOTE_AFTER_MS without an answer the next leader swaps it for the listener.
        final int gone = leader();
        final long goneNs = System.nanoTime();
        stop(gone);
        RegistryGroup.await("the listener promoted", Duration.ofSeconds(60),
            () -> !nodes[3].replica().role().equals("LISTENER"));
        final long promotedMs = (System.nanoTime() - goneNs) / 1_000_000L;
        final GroupStatus after = GroupStatus.query(dir(3), Duration.ofSeconds(2));
        System.out.println("group status from host 3 after r" + gone + " went: " + after);
        final GroupStatus.Peer lost = after.peers().stream().filter(p -> p.slot() == gone).findFirst().orElseThrow();
        assertEquals("unreachable", lost.role());
        assertTrue(!lost.problem().isEmpty() && lost.appliedIndex() == -1, lost.toString());
        if (after.leader() >= 0 && !nodes[3].replica().role().equals("LISTENER"))
        {
            assertEquals("voter", after.peers().stream().filter(p -> p.slot() == 3).findFirst().orElseThrow()
                .member(), "the promoted listener votes in the leader's configuration: " + after);
        }
        System.out.println("leader host r" + gone + " gone -> listener r3 voting after " + promotedMs + " ms " +
            "(promote after " + PROMOTE_AFTER_MS + " ms of silence)");
        RegistryGroup.await("host 3 records itself as a voter", Duration.ofSeconds(10), () ->
        {
            try
            {
                final String group = Files.readString(dir(3).resolve(".cell/replicas/group.properties"));
                return group.contains("members=") && group.lines().anyMatch(l -> l.startsWith("members=") &&
                    l.contains("3") && !l.contains(Integer.toString(gone))) &&
                    group.lines().anyMatch(l -> l.equals("listeners=" + gone));
            }
            catch (final IOException ex)
            {
                return false;
            }
        });

        // A second original voter goes: voters are now one original and the promoted listener, still a majority.
        int second = -1;
        for (int i = 0; i < HOSTS - 1; i++)
        {
            if (nodes[i] != null && second < 0)
            {
                second = i;
            }
        }
        stop(second);
        final RegistryLease later = lease(key, "exchange-2", List.of(3, 0, 1, 2));
        final long announcedNs = System.nanoTime();
        later.announce();
        RegistryGroup.await("exchange-2 committed and listed on the two hosts left", Duration.ofSeconds(30),
            () -> everyRunningHostLists(List.of("exchange-1", "exchange-2")));
        System.out.println("hosts r" + gone + " and r" + second + " gone: announcement committed and listed in " +
            (System.nanoTime() - announcedNs) / 1_000_000L + " ms");
    }
}
