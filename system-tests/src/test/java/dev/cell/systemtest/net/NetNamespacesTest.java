package dev.cell.systemtest.net;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hosts in network namespaces: they reach each other, not the machine, and leave nothing behind.
 */
class NetNamespacesTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeEach
    void requireNetns()
    {
        NetnsRequirement.requireNetns();
    }

    @Test
    void hostBEchoesHostA() throws IOException
    {
        try (NetNamespaces net = NetNamespaces.create(2))
        {
            final NetNamespaces.Host a = net.host(0);
            final NetNamespaces.Host b = net.host(1);
            try (Child echo = Child.start("echo", net.command(b, Child.java(UdpEcho.class,
                List.of("--bind", b.ip() + ":7100"))), Map.of()))
            {
                echo.awaitLine(Pattern.compile("echo ready bind=" + Pattern.quote(b.ip() + ":7100")), TIMEOUT);
                try (Child probe = Child.start("probe", net.command(a, Child.java(UdpProbe.class, List.of(
                    "--target", b.ip() + ":7100", "--count", "20", "--prefix", "across", "--linger-ms", "100"))),
                    Map.of()))
                {
                    assertEquals(0, probe.awaitExit(TIMEOUT), probe.output());
                    assertTrue(probe.output().contains("probe sent=20 received=20 mismatched=0"), probe.output());
                }
            }
        }
    }

    @Test
    void hostsHaveDistinctNamesAndAddressesAndTheMachineDoesNotSeeThem() throws IOException
    {
        try (NetNamespaces first = NetNamespaces.create(3); NetNamespaces second = NetNamespaces.create(1))
        {
            assertNotEquals(first.subnet(), second.subnet());
            final Set<String> names = new HashSet<>(first.namespaces());
            names.addAll(second.namespaces());
            assertEquals(first.namespaces().size() + second.namespaces().size(), names.size(), names.toString());
            assertEquals(6, names.size(), "two switches and four hosts");
            for (final NetNamespaces.Host host : first.hosts())
            {
                assertTrue(host.interfaceName().length() <= 15, host.interfaceName());
                final Child.Result addr = Child.run(net(first, host, "-4", "addr", "show", "dev",
                    host.interfaceName()), TIMEOUT);
                assertTrue(addr.output().contains(host.ip() + "/24"), addr.output());
                final Child.Result lo = Child.run(net(first, host, "link", "show", "lo"), TIMEOUT);
                assertTrue(lo.output().contains("UP"), lo.output());
            }
            final Child.Result machine = Child.run(List.of(Child.which("ip"), "-4", "addr"), TIMEOUT);
            assertFalse(machine.output().contains(first.host(0).ip() + "/"), machine.output());
        }
    }

    @Test
    void closeDeletesEverything() throws IOException
    {
        final List<String> namespaces;
        try (NetNamespaces net = NetNamespaces.create(2))
        {
            namespaces = net.namespaces();
            for (final String namespace : namespaces)
            {
                assertTrue(ourNamespaces().contains(namespace), namespace);
            }
        }
        final Set<String> left = ourNamespaces();
        for (final String namespace : namespaces)
        {
            assertFalse(left.contains(namespace), namespace + " left behind");
        }
    }

    @Test
    void aFailureDuringSetupDeletesWhatWasMade()
    {
        final Set<String> before = ourNamespaces();
        for (final int failAt : new int[]{ 0, 1, 6, 13 })
        {
            final IOException failure = assertThrows(IOException.class, () -> NetNamespaces.create(2, failAt).close());
            assertTrue(failure.getMessage().contains("cnet-no-such"), failure.getMessage());
            assertEquals(before, ourNamespaces(), "after a failure at setup command " + failAt);
        }
    }

    private static List<String> net(final NetNamespaces net, final NetNamespaces.Host host, final String... args)
    {
        final List<String> cmd = new ArrayList<>(List.of(Child.which("ip")));
        cmd.addAll(List.of(args));
        return net.command(host, cmd);
    }

    private static Set<String> ourNamespaces()
    {
        final String mine = NetNamespaces.PREFIX + Long.toString(ProcessHandle.current().pid(), 36) + "-";
        try (Stream<Path> entries = Files.list(Path.of("/run/netns")))
        {
            return new HashSet<>(entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(mine)).toList());
        }
        catch (final IOException ex)
        {
            return Set.of();
        }
    }
}
