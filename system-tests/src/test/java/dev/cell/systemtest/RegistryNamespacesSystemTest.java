package dev.cell.systemtest;

import dev.cell.raft.GroupMember;
import dev.cell.registry.RegistryHost;
import dev.cell.systemtest.net.Child;
import dev.cell.systemtest.net.NetNamespaces;
import dev.cell.systemtest.net.NetnsRequirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry on four hosts (network namespaces on a bridge, one JVM per host, each with its own registry folder
 * and cell home): voters on hosts 0-2, a listener on host 3, Ratis over gRPC with mutual TLS between them. Measured
 * and checked: an instance that starts or stops cleanly is on (off) every host's own list within 1 s; one killed
 * with -9 is gone from every list within its TTL plus the documented staleness; an announcement of the name by a key
 * that does not own it is refused and appears on no host; kill -9 of the leader's host → the
 * listener is promoted; kill -9 of a second original voter → announcements still commit.
 */
@Timeout(600)
class RegistryNamespacesSystemTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int HOSTS = 4;
    private static final int PORT = 7600;
    private static final long PROMOTE_AFTER_MS = 2_000;
    private static final long TTL_MS = 1_000; // the registry's defaults: 250 ms renewals, 4 misses
    private static final long STALENESS_MS = 1_000; // a digest every second bounds a replica's lag (architecture.md)
    private static final Pattern LIST = Pattern.compile("LIST (\\d+) \\[(.*)]");
    private static final Pattern ROLE = Pattern.compile("ROLE (\\d+) (\\w+)");

    private final List<Child> children = new ArrayList<>();

    @AfterEach
    void killEverything()
    {
        for (final Child c : children)
        {
            c.close();
        }
    }

    @Test
    void fourHostsAgreeOnInstancesPromoteTheListenerAndCommitWithTwoVotersGone() throws Exception
    {
        NetnsRequirement.requireNetns();
        final Path root = SystemTestSupport.newDir("registry-netns");
        try (NetNamespaces net = NetNamespaces.create(HOSTS))
        {
            final List<GroupMember> members = new ArrayList<>();
            for (int i = 0; i < HOSTS; i++)
            {
                members.add(new GroupMember(i, net.host(i).ip(), PORT, i == HOSTS - 1));
            }
            RegistryHost.define(dir(root, 0), members);
            for (int i = 1; i < HOSTS; i++)
            {
                RegistryHost.copy(dir(root, 0), dir(root, i)); // what an operator does with scp
            }
            final Child[] hosts = new Child[HOSTS];
            for (int i = 0; i < HOSTS; i++)
            {
                hosts[i] = start(net, i, "host-" + i, RegistryProbes.Host.class, List.of(dir(root, i).toString(),
                    Integer.toString(i), home(root, i).toString(), Long.toString(PROMOTE_AFTER_MS)));
            }
            for (final Child h : hosts)
            {
                h.awaitLine(Pattern.compile("registry ready"), TIMEOUT);
            }
            final int leader = awaitLeader(hosts);
            assertTrue(role(hosts[3]).equals("LISTENER"), "host 3 listens: " + role(hosts[3]));

            // Start and stop cleanly: every host's own replica agrees within 1 s.
            final Child first = instance(net, root, "exchange-1");
            final long announced = announcedAt(first);
            final long listedMs = awaitEveryList(hosts, announced, ids -> ids.contains("exchange-1")) - announced;
            final long stopAt = System.currentTimeMillis();
            first.close();
            final long unlistedMs = awaitEveryList(hosts, stopAt, ids -> !ids.contains("exchange-1")) - stopAt;
            System.out.printf("registry on 4 hosts: started -> on every host's list in %d ms; clean stop -> off " +
                "every list in %d ms%n", listedMs, unlistedMs);
            assertTrue(listedMs <= 1_000, "listed everywhere within 1 s: " + listedMs + " ms");
            assertTrue(unlistedMs <= 1_000, "unlisted everywhere within 1 s: " + unlistedMs + " ms");

            // A key that does not own the name (exchange-1's key registered it first) is refused before the log.
            try (Child intruder = start(net, 3, "intruder", RegistryProbes.Instance.class, List.of(
                home(root, 3).toString(), "exchange-evil", root.resolve("keys").resolve("intruder.key").toString())))
            {
                assertEquals(3, intruder.awaitExit(TIMEOUT), intruder.output());
                assertTrue(intruder.output().contains("NOT OWNER"), intruder.output());
            }

            // kill -9: gone from every list within TTL + staleness.
            final Child crashing = instance(net, root, "exchange-2");
            final long crashAnnounced = announcedAt(crashing);
            awaitEveryList(hosts, crashAnnounced, ids -> ids.contains("exchange-2"));
            final long killedAt = System.currentTimeMillis();
            crashing.process().destroyForcibly();
            final long goneMs = awaitEveryList(hosts, killedAt, ids -> !ids.contains("exchange-2")) - killedAt;
            System.out.printf("registry on 4 hosts: kill -9 of an instance -> off every list in %d ms (TTL %d ms " +
                "+ staleness <= %d ms)%n", goneMs, TTL_MS, STALENESS_MS);
            assertTrue(goneMs <= TTL_MS + STALENESS_MS, "gone within TTL + staleness: " + goneMs + " ms");

            // kill -9 of the leader's host: the listener is promoted.
            final long leaderKilledAt = System.currentTimeMillis();
            hosts[leader].process().destroyForcibly();
            final long promotedAt = awaitRole(hosts[3], leaderKilledAt, r -> !r.equals("LISTENER"));
            System.out.printf("registry on 4 hosts: kill -9 of the leader's host r%d -> listener r3 voting after " +
                "%d ms (promotes after %d ms of silence)%n", leader, promotedAt - leaderKilledAt, PROMOTE_AFTER_MS);

            // kill -9 of a second original voter: the promoted listener and the last original voter still commit.
            final int second = leader == 0 ? 1 : 0;
            hosts[second].process().destroyForcibly();
            final Child later = instance(net, root, "exchange-3");
            final long laterAnnounced = announcedAt(later);
            final List<Child> left = new ArrayList<>();
            for (int i = 0; i < HOSTS; i++)
            {
                if (i != leader && i != second)
                {
                    left.add(hosts[i]);
                }
            }
            final long committedMs = awaitEveryList(left.toArray(Child[]::new), laterAnnounced,
                ids -> ids.contains("exchange-3")) - laterAnnounced;
            System.out.printf("registry on 4 hosts: r%d and r%d killed -> a new instance listed on both hosts left " +
                "%d ms after its announcement committed%n", leader, second, committedMs);
            for (final Child h : hosts)
            {
                assertTrue(h.lines().stream().noneMatch(l -> l.startsWith("LIST") && l.contains("exchange-evil")),
                    "the intruder's announcement appeared on no host: " + h.output());
            }
        }
    }

    private static Path dir(final Path root, final int host)
    {
        return root.resolve("host-" + host).resolve("registry");
    }

    private static Path home(final Path root, final int host)
    {
        return root.resolve("host-" + host).resolve("home");
    }

    private Child start(final NetNamespaces net, final int host, final String name, final Class<?> main,
        final List<String> args) throws IOException
    {
        final List<String> java = new ArrayList<>(Child.java(main, args));
        java.addAll(1, SystemTestSupport.JVM_FLAGS);
        final Child c = Child.start(name, net.command(net.host(host), java), Map.of());
        children.add(c);
        return c;
    }

    /**
     * An instance on host 3 (the listener's host, which stays up), announcing through that host's replica.
     */
    private Child instance(final NetNamespaces net, final Path root, final String id) throws IOException
    {
        return start(net, 3, id, RegistryProbes.Instance.class, List.of(home(root, 3).toString(), id,
            root.resolve("keys").resolve("exchange.key").toString()));
    }

    private static long announcedAt(final Child instance) throws IOException
    {
        final Matcher m = Pattern.compile("ANNOUNCED (\\d+)").matcher(instance.awaitLine(
            Pattern.compile("ANNOUNCED \\d+"), TIMEOUT));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    /**
     * @return the wall clock of the last host's first list, at or after {@code sinceMs}, that satisfies the test.
     */
    private static long awaitEveryList(final Child[] hosts, final long sinceMs, final Predicate<List<String>> test)
    {
        long latest = 0;
        for (final Child h : hosts)
        {
            latest = Math.max(latest, awaitLine(h, LIST, sinceMs, m -> test.test(List.of(m.group(2).split(",", -1)))));
        }
        return latest;
    }

    private static long awaitRole(final Child host, final long sinceMs, final Predicate<String> test)
    {
        return awaitLine(host, ROLE, sinceMs, m -> test.test(m.group(2)));
    }

    /**
     * The host prints a line only when its state changes: the earliest time at or after {@code sinceMs} at which
     * its state (the last line of {@code pattern}) passed the test, waiting for it within the timeout.
     */
    private static long awaitLine(final Child host, final Pattern pattern, final long sinceMs,
        final Predicate<Matcher> test)
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true)
        {
            final List<String> lines = host.lines();
            boolean passes = false;
            for (final String line : lines)
            {
                final Matcher m = pattern.matcher(line);
                if (!m.find())
                {
                    continue;
                }
                final long stamp = Long.parseLong(m.group(1));
                if (stamp <= sinceMs)
                {
                    passes = test.test(m);
                }
                else if (passes)
                {
                    return sinceMs;
                }
                else if (test.test(m))
                {
                    return stamp;
                }
            }
            if (passes)
            {
                return sinceMs;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + pattern + ": " +
                    String.join("\n", lines));
            }
            host.awaitMoreLines(lines.size(), Duration.ofMillis(200));
        }
    }

    private static String role(final Child host)
    {
        String role = "";
        for (final String line : host.output().lines().toList())
        {
            final Matcher m = ROLE.matcher(line);
            if (m.find())
            {
                role = m.group(2);
            }
        }
        return role;
    }

    private static int awaitLeader(final Child[] hosts)
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() - deadline < 0)
        {
            for (int i = 0; i < hosts.length; i++)
            {
                if (role(hosts[i]).equals("LEADER"))
                {
                    return i;
                }
            }
            hosts[0].awaitMoreLines(hosts[0].lines().size(), Duration.ofMillis(100));
        }
        throw new AssertionError("no leader within " + TIMEOUT);
    }
}
