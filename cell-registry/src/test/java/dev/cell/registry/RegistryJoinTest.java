package dev.cell.registry;

import dev.cell.raft.GroupJoin;
import dev.cell.raft.GroupMember;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.CellServer;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fourth host joins a running three-host registry as a listener, in one JVM with each host on its own loopback
 * address (127.0.0.1-4): host 0 serves joins over an axon, a one-time token from it gets host 3 a slot and the
 * group's files over the encrypted axon (pinning the registry key), host 3 starts its replica and the group takes it
 * in; it then lists what the others list from its own replica. Refused: an unknown token, a used one, an expired
 * one, and a member that cannot prove the pinned key.
 */
@Timeout(180)
class RegistryJoinTest
{
    private static final int HOSTS = 4;

    private Path root;
    private final RegistryNode[] nodes = new RegistryNode[HOSTS];
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception
    {
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
        for (int i = 0; i < HOSTS; i++)
        {
            if (nodes[i] != null)
            {
                nodes[i].close();
            }
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

    private void start(final int host, final int slot)
    {
        nodes[host] = RegistryNode.start(dir(host), ReplicaOptions.defaults().withSlot(slot).withSnapshotEvery(0)
            .withServer(ServerOptions.defaults().withCellHome(home(host)).withInstanceId("registry-r" + slot)),
            RegistryConfig.defaults(Identity.loadOrCreate(AxonOptions.identityFileOf(dir(host)))));
    }

    private static int freePort(final String host) throws IOException
    {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(host)))
        {
            return s.getLocalPort();
        }
    }

    private List<String> listedOn(final int host)
    {
        final ClientOptions options = ClientOptions.defaults().withCellHome(home(host)).withClientName("join-test")
            .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(5));
        try (RegistryClient reader = RegistryClient.connect(options))
        {
            final List<String> ids = new ArrayList<>();
            reader.instances(new Lookup("exchange", "", "", "", 0)).instances()
                .forEach(info -> ids.add(info.instanceId()));
            return ids;
        }
    }

    @Test
    void aHostWithAOneTimeTokenJoinsAsAListenerAndListsWhatTheOthersList() throws Exception
    {
        root = Harness.tmp("registry-join");
        final List<GroupMember> members = new ArrayList<>();
        for (int i = 0; i < HOSTS - 1; i++)
        {
            members.add(new GroupMember(i, address(i), freePort(address(i)), false));
        }
        RegistryHost.define(dir(0), members);
        for (int i = 1; i < HOSTS - 1; i++)
        {
            RegistryHost.copy(dir(0), dir(i));
        }
        for (int i = 0; i < HOSTS - 1; i++)
        {
            start(i, i);
        }
        RegistryGroup.await("a leader", Duration.ofSeconds(60), () -> java.util.Arrays.stream(nodes)
            .anyMatch(n -> n != null && n.isLeader()));
        final Identity exchange = Harness.identity(root, "exchange");
        final RegistryLease lease = new RegistryLease(exchange, new RegistryLease.Spec("exchange", "1.0.0",
            "0123456789abcdef", "exchange-1", "host-1", "", "", address(1) + ":7400", List.of()),
            List.of(ClientOptions.defaults().withCellHome(home(1)).withConnectTimeout(Duration.ofSeconds(5))
                .withCallTimeout(Duration.ofSeconds(5))));
        open.add(lease);
        lease.announce();
        lease.startRenewing(() -> RegistryLease.Load.NONE);

        final CellServer joins = RegistryHost.serveJoins(dir(0), home(0), address(0) + ":0");
        open.add(joins);
        final String endpoint = Files.readString(dir(0).resolve(".cell/replicas/" + GroupJoin.JOIN_ENDPOINT)).strip();
        assertTrue(endpoint.startsWith(address(0) + ":"), endpoint);
        final String key = Identity.loadOrCreate(AxonOptions.identityFileOf(dir(0))).publicId();
        final int port = freePort(address(3));

        final JoinRefused unknown = assertThrows(JoinRefused.class, () -> RegistryHost.join(endpoint, key,
            "A".repeat(43), dir(3), home(3), address(3), port));
        assertTrue(unknown.reason().contains("unknown, used or expired"), unknown.reason());
        final String expired = GroupJoin.invite(dir(0), Duration.ofSeconds(-1));
        assertThrows(JoinRefused.class, () -> RegistryHost.join(endpoint, key, expired, dir(3), home(3), address(3),
            port));
        final String token = GroupJoin.invite(dir(0), Duration.ofMinutes(10));
        final String stranger = Identity.loadOrCreate(root.resolve("stranger.key")).publicId();
        assertThrows(RuntimeException.class, () -> RegistryHost.join(endpoint, stranger, token, dir(3), home(3),
            address(3), port), "a member that cannot prove the pinned key gets no token");
        assertFalse(Files.exists(dir(3).resolve(".cell/replicas/group.properties")), "nothing installed yet");

        final long startNs = System.nanoTime();
        final int slot = RegistryHost.join(endpoint, key, token, dir(3), home(3), address(3), port);
        assertEquals(3, slot);
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir(3).resolve(".cell/replicas/group.secret"))), "secrets stay private");
        assertEquals(key, Identity.loadOrCreate(AxonOptions.identityFileOf(dir(3))).publicId());
        assertThrows(JoinRefused.class, () -> RegistryHost.join(endpoint, key, token, root.resolve("again"),
            home(3), address(3), port), "a token admits one host");

        start(3, slot);
        RegistryHost.admit(dir(3), slot);
        RegistryGroup.await("host 3 a listener that lists exchange-1", Duration.ofSeconds(30),
            () -> nodes[3].replica().role().equals("LISTENER") && listedOn(3).equals(List.of("exchange-1")));
        System.out.printf("join: token -> host 3 listening with the full list in %d ms%n",
            (System.nanoTime() - startNs) / 1_000_000L);
        RegistryGroup.await("host 1 records the joiner's address from the configuration", Duration.ofSeconds(20),
            () ->
            {
                try
                {
                    final String group = Files.readString(dir(1).resolve(".cell/replicas/group.properties"));
                    return group.contains("port.3=" + port) && group.lines().anyMatch(l -> l.equals("listeners=3"));
                }
                catch (final IOException ex)
                {
                    return false;
                }
            }, () ->
            {
                try
                {
                    return Files.readString(dir(1).resolve(".cell/replicas/group.properties"));
                }
                catch (final IOException ex)
                {
                    return ex.toString();
                }
            });
    }
}
