package dev.cell.systemtest;

import dev.cell.raft.GroupJoin;
import dev.cell.raft.GroupMember;
import dev.cell.registry.RegistryBeacon;
import dev.cell.registry.RegistryHost;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.systemtest.net.Child;
import dev.cell.systemtest.net.NetNamespaces;
import dev.cell.systemtest.net.NetnsRequirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A host joins the registry with nothing but a token and the registry key, over a LAN of network namespaces: host 0
 * runs the registry (one voter) and serves joins on its address, sending signed beacons there; host 2 sends beacons
 * for itself signed by another key; host 1 runs {@code RegistryHost --join multicast}, hears host 0's beacon (not
 * host 2's), joins and serves as a listener, which {@code cell registry status} on host 1 shows.
 */
@Timeout(300)
class RegistryJoinNamespacesSystemTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int PORT = 7450;

    private final List<Child> children = new ArrayList<>();

    private final List<Path> replicas = new ArrayList<>();

    @AfterEach
    void killEverything() throws IOException
    {
        for (final Child c : children)
        {
            c.close();
        }
        for (final Path dir : replicas)
        {
            final Path pid = dir.resolve(".cell/registry.pid");
            if (Files.isRegularFile(pid))
            {
                ProcessHandle.of(Long.parseLong(Files.readAllLines(pid).getFirst().strip()))
                    .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /**
     * Beacons for an endpoint of its own host, signed by a key of its own: what a host pretending to be a member
     * would send.
     */
    public static final class Forger
    {
        /**
         * @param args key file, endpoint, the address to send on.
         * @throws Exception when it cannot.
         */
        public static void main(final String[] args) throws Exception
        {
            final RegistryBeacon beacon = RegistryBeacon.start(Identity.loadOrCreate(Path.of(args[0])), args[1],
                InetAddress.getByName(args[2]), new InetSocketAddress(RegistryBeacon.GROUP, RegistryBeacon.PORT),
                Duration.ofMillis(200));
            try
            {
                System.out.println("forger beaconing");
                Thread.currentThread().join();
            }
            finally
            {
                beacon.close();
            }
        }
    }

    private Child start(final NetNamespaces net, final int host, final String name, final Class<?> main,
        final List<String> args) throws IOException
    {
        final List<String> java = new ArrayList<>(Child.java(main, args));
        java.addAll(1, SystemTestSupport.JVM_FLAGS);
        final Child c = Child.start(name, net.command(net.host(host), java), Map.of("CELL_HOST_NAME", "host-" + host));
        children.add(c);
        return c;
    }

    @Test
    void aHostFindsAMemberByItsBeaconAndJoinsWithAToken() throws Exception
    {
        NetnsRequirement.requireNetns();
        final Path root = SystemTestSupport.newDir("registry-join-netns");
        try (NetNamespaces net = NetNamespaces.create(3))
        {
            final Path dir0 = root.resolve("host-0/registry");
            final Path dir1 = root.resolve("host-1/registry");
            RegistryHost.define(dir0, List.of(new GroupMember(0, net.host(0).ip(), PORT, false)));
            final Child member = start(net, 0, "member", RegistryHost.class, List.of("--dir", dir0.toString(),
                "--slot", "0", "--home", root.resolve("host-0/home").toString(), "--join-listen",
                net.host(0).ip() + ":7471"));
            member.awaitLine(Pattern.compile("registry ready slot=0"), TIMEOUT);
            member.awaitLine(Pattern.compile("registry beacon on " + Pattern.quote(net.host(0).ip())), TIMEOUT);
            final Child forger = start(net, 2, "forger", Forger.class, List.of(root.resolve("forger.key").toString(),
                net.host(2).ip() + ":7471", net.host(2).ip()));
            forger.awaitLine(Pattern.compile("forger beaconing"), TIMEOUT);

            final String key = Identity.loadOrCreate(AxonOptions.identityFileOf(dir0)).publicId();
            final String token = GroupJoin.invite(dir0, Duration.ofMinutes(10));
            final long startNs = System.nanoTime();
            final Child joiner = start(net, 1, "joiner", RegistryHost.class, List.of("--dir", dir1.toString(),
                "--home", root.resolve("host-1/home").toString(), "--join", "multicast", "--key", key, "--token",
                token, "--listen", net.host(1).ip() + ":" + PORT));
            joiner.awaitLine(Pattern.compile("registry ready slot=1 \\(joined as a listener\\)"), TIMEOUT);
            final long joinedMs = (System.nanoTime() - startNs) / 1_000_000L;
            assertTrue(joiner.output().contains("registry beacon heard: " + net.host(0).ip() + ":7471"),
                joiner.output());
            System.out.printf("registry join over multicast: JVM start -> beacon heard -> joined as a listener in " +
                "%d ms%n", joinedMs);

            final List<String> status = new ArrayList<>(List.of(SystemTestSupport.java().toString()));
            status.addAll(SystemTestSupport.JVM_FLAGS);
            status.addAll(List.of("-jar", SystemTestSupport.CLI_JAR.toAbsolutePath().toString(), "registry",
                "status", dir1.toString(), "--json"));
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            String last = "";
            while (System.nanoTime() < deadline)
            {
                final Child.Result r = Child.run(net.command(net.host(1), status), TIMEOUT);
                last = r.output();
                if (r.exitCode() == 0 && last.contains("\"slot\":1") && last.contains("\"role\":\"LISTENER\""))
                {
                    break;
                }
            }
            assertTrue(last.contains("\"role\":\"LISTENER\""), "host 1 is a listener of the group: " + last);
            assertEquals(0, Child.run(net.command(net.host(1), status), TIMEOUT).exitCode(), "a leader answers");
        }
    }

    /**
     * The same with the {@code cell} command only: host 0 runs its member with {@code cell registry serve}; host 1,
     * whose {@code host.toml} names host 0 as a seed, runs {@code cell join} with the token {@code cell registry
     * invite} printed, is a listener, and after {@code cell registry stop} comes back with {@code cell registry serve}
     * at the slot it was given.
     */
    @Test
    void aHostJoinsFromItsSeedsWithTheCellCommandAndRestartsAtItsSlot() throws Exception
    {
        NetnsRequirement.requireNetns();
        final Path root = SystemTestSupport.newDir("registry-cell-join");
        try (NetNamespaces net = NetNamespaces.create(2))
        {
            final Path dir0 = root.resolve("host-0/registry");
            final Path dir1 = root.resolve("host-1/registry");
            final Path home0 = Files.createDirectories(root.resolve("host-0/home"));
            final Path home1 = Files.createDirectories(root.resolve("host-1/home"));
            replicas.addAll(List.of(dir0, dir1));
            RegistryHost.define(dir0, List.of(new GroupMember(0, net.host(0).ip(), PORT, false)));
            final String joinAt = net.host(0).ip() + ":7472";
            final String served = cli(net, 0, home0, "registry", "serve", dir0.toString(), "--slot", "0",
                "--join-listen", joinAt, "--offline");
            assertTrue(served.contains("registry ready slot=0"), served);

            final String invite = cli(net, 0, home0, "registry", "invite", dir0.toString());
            final java.util.regex.Matcher m = Pattern.compile("cell join (\\S+) --key (\\S+) --token (\\S+)")
                .matcher(invite);
            assertTrue(m.find(), invite);
            assertEquals(joinAt, m.group(1), invite);
            Files.writeString(home1.resolve("host.toml"), "[registry]\nseeds = [\"" + joinAt + "\"]\n");
            final long startNs = System.nanoTime();
            final String joined = cli(net, 1, home1, "join", "--key", m.group(2), "--token", m.group(3), "--listen",
                net.host(1).ip() + ":" + PORT, "--dir", dir1.toString(), "--offline");
            System.out.printf("cell join from host.toml's seed: joined as a listener in %d ms (JVM, class path, " +
                "join)%n", (System.nanoTime() - startNs) / 1_000_000L);
            assertTrue(joined.contains("registry ready slot=1 (joined as a listener)") &&
                joined.contains("joined as listener slot 1"), joined);
            awaitListener(net, home1, dir1);

            assertTrue(cli(net, 1, home1, "registry", "stop", dir1.toString()).contains("stopped"));
            final String again = cli(net, 1, home1, "registry", "serve", dir1.toString(), "--slot", "1", "--offline");
            assertTrue(again.contains("registry ready slot=1"), again);
            awaitListener(net, home1, dir1);
        }
    }

    private static String cli(final NetNamespaces net, final int host, final Path home, final String... args)
        throws Exception
    {
        final SystemTestSupport.Result r = SystemTestSupport.run(home, Map.of("CELL_HOME", home.toString(),
            "CELL_HOST_NAME", "host-" + host), 180, net.command(net.host(host), SystemTestSupport.cli(args)));
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.output());
        return r.output();
    }

    private static void awaitListener(final NetNamespaces net, final Path home, final Path dir) throws Exception
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline)
        {
            final SystemTestSupport.Result r = SystemTestSupport.run(home, Map.of("CELL_HOME", home.toString()), 60,
                net.command(net.host(1), SystemTestSupport.cli("registry", "status", dir.toString(), "--json")));
            last = r.output();
            if (r.exitCode() == 0 && last.contains("\"slot\":1") && last.contains("\"role\":\"LISTENER\""))
            {
                return;
            }
        }
        throw new AssertionError("host 1 is a listener of the group: " + last);
    }
}
