package dev.cell.systemtest;

import dev.cell.raft.GroupMember;
import dev.cell.registry.RegistryHost;
import dev.cell.tissue.config.CellLock;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.identity.Identity;
import dev.cell.systemtest.net.Child;
import dev.cell.systemtest.net.NetNamespaces;
import dev.cell.systemtest.net.NetnsRequirement;
import dev.cell.systemtest.net.UdpRelay;
import dev.cell.tissue.build.ArtifactStore;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.cli;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compute follows latency ({@code [deps.exchange.policy] max_latency_ms = 5, auto_spawn = true}), on two
 * network-namespace hosts that each run a registry voter. Host B runs cell-git ({@code cell git serve}) with the
 * owner's signed release {@code v1} of {@code exchange}, and one instance of it whose axon callers reach through a UDP
 * relay on host A that adds 50 ms to every datagram towards it ({@code [axon] advertise} names the relay; it stands
 * on the caller's host because an axon answers a HELLO only when it comes from the host its reply endpoint names, and
 * the answers come back directly).
 * <ol>
 *     <li>Build time: {@code cell build} of {@code trader} on host A times the instance its registry lists (over
 *     50 ms &gt; 5 ms), spawns {@code exchange} on host A from cell-git at the tag (clone, signed manifest checked against
 *     the pinned owner, sandboxed build, hash verified) and builds against it. Reported: the cold spawn's time.</li>
 *     <li>The local mirror is stopped: only its verified build is left. The relay's delay is set to 0 and
 *     {@code trader} starts: its calls go to host B.</li>
 *     <li>Run time: the relay's delay is raised to 50 ms again; the trader's racing client finds its best instance
 *     too slow, asks its supervisor, which starts the cached build (no Maven run: the jar is untouched) and the calls
 *     move to it. Measured: from the delay change and from the client's decision to the first local reply (goal
 *     &lt; 1 s from the decision).</li>
 * </ol>
 */
@Timeout(900)
class AutoSpawnNamespacesSystemTest
{
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int REGISTRY_PORT = 7600;
    private static final int GIT_PORT = 7780;
    private static final int AXON_PORT = 7700;
    private static final int RELAY_PORT = 7701;
    private static final long FAR_US = 50_000;
    private static final Pattern SPAWNED = Pattern.compile("exchange: spawned v1 from its fresh clone and build " +
        "\\(sha256 ([0-9a-f]{64}), signed by (\\S+)\\) in (\\d+) ms, ready (\\d+) ms later");

    private final List<Child> children = new ArrayList<>();
    private final List<Path> homes = new ArrayList<>();

    @AfterEach
    void killEverything() throws IOException
    {
        for (final Path home : homes)
        {
            SystemTestSupport.killSupervisors(home);
            SystemTestSupport.killInstances(home);
        }
        for (final Child c : children)
        {
            c.close();
        }
    }

    @Test
    void aTraderSpawnsTheExchangeHereWhenItIsTooFarAtBuildAndAtRunTime() throws Exception
    {
        NetnsRequirement.requireNetns();
        final Path root = SystemTestSupport.newDir("autospawn-netns");
        final Path homeA = home(root, 0);
        final Path homeB = home(root, 1);
        final Identity owner = Identity.host(homeB);
        final Path work = root.resolve("exchange-work");
        AutoSpawnSources.exchange(work);
        try (Git git = Git.init().setDirectory(work.toFile()).setInitialBranch("main").call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("exchange v1").setAuthor("owner", "owner@localhost")
                .setCommitter("owner", "owner@localhost").setSign(false).call();
            git.tag().setName("v1").setAnnotated(false).call();
        }

        try (NetNamespaces net = NetNamespaces.create(2))
        {
            final NetNamespaces.Host a = net.host(0);
            final NetNamespaces.Host b = net.host(1);
            startRegistries(net, root);
            final String url = "http://" + b.ip() + ":" + GIT_PORT + "/acme/exchange";
            final Child git = Child.start("cell-git", net.command(b, cli("git", "serve", "--root",
                root.resolve("repos").toString(), "--bind", b.ip(), "--port", Integer.toString(GIT_PORT))),
                Map.of("CELL_HOME", homeB.toString()));
            children.add(git);
            git.awaitLine(Pattern.compile("cell-git: serving"), TIMEOUT);
            final String released = mustSucceed(SystemTestSupport.run(root, Map.of("CELL_HOME", homeB.toString()),
                300, net.command(b, cli("release", work.toString(), "v1", "--offline", "--push", url))),
                "cell release on host B").output();
            assertTrue(released.contains("pushed refs/cell/manifests/v1"), released);

            // The owner runs v1 on host B; callers reach its axon through the relay.
            final Path runB = SystemTestSupport.copyProject(work, root.resolve("exchange-b"));
            SystemTestSupport.write(runB.resolve("cell.toml"), """
                [cell]
                name = "exchange"

                [axon]
                listen = "%1$s:%2$d"
                advertise = "%3$s:%4$d"
                """.formatted(b.ip(), AXON_PORT, a.ip(), RELAY_PORT));
            final Child relay = Child.start("relay", net.command(a, Child.java(UdpRelay.class, List.of(
                "--listen", a.ip() + ":" + RELAY_PORT, "--target", b.ip() + ":" + AXON_PORT, "--delay-us",
                Long.toString(FAR_US)))), Map.of());
            children.add(relay);
            relay.awaitLine(Pattern.compile("relay ready"), TIMEOUT);
            mustSucceed(SystemTestSupport.run(runB, Map.of("CELL_HOME", homeB.toString(), "CELL_HOST_NAME",
                "host-1"), 300, net.command(b, cli("mitosis", runB.toString(), "--detach", "--offline"))),
                "mitosis of exchange on host B");
            awaitListed(homeA);
            // cell release offered the signed manifest to host B's registry replica: every host's agrees its hash.
            final RegistryView.Release agreed = awaitAgreed(homeA, owner.publicId());

            // 1. Build time: too far, so spawned here from cell-git (cold: clone, verify, sandboxed build).
            final Path trader = root.resolve("trader");
            AutoSpawnSources.trader(trader, url, owner.publicId());
            final String built = mustSucceed(SystemTestSupport.run(trader, Map.of("CELL_HOME", homeA.toString(),
                "CELL_HOST_NAME", "host-0"), 600, net.command(a, cli("build", trader.toString(), "--offline"))),
                "cell build trader on host A").output();
            final Matcher cold = SPAWNED.matcher(built);
            assertTrue(built.contains("exchange: best remote round trip") && cold.find(), built);
            assertEquals(owner.publicId(), cold.group(2), built);
            assertEquals(agreed.sha256(), cold.group(1), "the registry agreed the hash the spawn verified");
            assertTrue(built.contains("the registry agrees artifact sha256 " + agreed.sha256()), built);
            final CellLock.Entry pinned = CellLock.read(trader).entries().get("exchange");
            assertEquals(List.of(owner.publicId(), "v1", agreed.sha256()), List.of(pinned.owner(), pinned.release(),
                pinned.artifactSha256()), "Cell.lock pins the owner and the verified release");
            final Path mirror = mirrorDir(homeA);
            System.out.printf("auto-spawn at build: %s; cold clone + build + verify %s ms, then ready %s ms later%n",
                built.lines().filter(l -> l.startsWith("exchange: best remote")).findFirst().orElse(""),
                cold.group(3), cold.group(4));
            assertEquals(cold.group(1), ArtifactStore.sha256Hex(ArtifactStore.builtJar(mirror)),
                "the mirror runs the signed artifact");

            // 2. Only the verified build is left; the trader starts with host B near.
            mustSucceed(SystemTestSupport.run(root, Map.of("CELL_HOME", homeA.toString()), 120,
                net.command(a, cli("stop", mirror.toString()))), "cell stop of the build-time mirror");
            assertEquals(List.of(), InstanceRegistry.live(homeA, "exchange"), "no exchange process on host A");
            final Path jar = ArtifactStore.builtJar(mirror);
            final long jarModified = Files.getLastModifiedTime(jar).toMillis();
            send(relay, "delay-us 0");
            relay.awaitLine(Pattern.compile("relay delay-us=0"), TIMEOUT);
            mustSucceed(SystemTestSupport.run(trader, Map.of("CELL_HOME", homeA.toString(), "CELL_HOST_NAME",
                "host-0"), 300, net.command(a, cli("mitosis", trader.toString(), "--detach", "--no-build"))),
                "mitosis of trader on host A");
            final Path served = trader.resolve("served.log");
            awaitServed(served, runB.toString(), 0);

            // 3. Run time: host B becomes far; the trader spawns the cached build and moves its calls.
            final int before = lines(served).size();
            final long farAtMs = System.currentTimeMillis();
            send(relay, "delay-us " + FAR_US);
            final String local = awaitServed(served, mirror.toString(), before);
            final long firstLocalMs = Long.parseLong(local.split(" ")[0]);
            final Map<String, String> spawnEvents = spawnEvents(trader);
            final long decidedMs = Instant.parse(spawnEvents.get("race.spawn")).toEpochMilli();
            System.out.printf("auto-spawn at run time: relay raised to %d ms; first reply from the local " +
                "instance %d ms after the change, %d ms after the client decided to spawn; supervisor: %s%n",
                FAR_US / 1000, firstLocalMs - farAtMs, firstLocalMs - decidedMs, spawnEvents.get("answer"));
            assertTrue(spawnEvents.get("answer").contains("from its cached build"), spawnEvents.toString());
            assertEquals(jarModified, Files.getLastModifiedTime(jar).toMillis(), "no rebuild: the jar is untouched");
            assertTrue(lines(served).stream().noneMatch(l -> l.startsWith("LOST") || l.startsWith("WRONG") ||
                l.startsWith("FAILED")), "every call answered, in order: " + lines(served));
        }
    }

    private void startRegistries(final NetNamespaces net, final Path root) throws Exception
    {
        final List<GroupMember> members = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            members.add(new GroupMember(i, net.host(i).ip(), REGISTRY_PORT, false));
        }
        RegistryHost.define(registry(root, 0), members);
        RegistryHost.copy(registry(root, 0), registry(root, 1));
        final List<Child> started = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final List<String> java = new ArrayList<>(Child.java(RegistryHost.class, List.of("--dir",
                registry(root, i).toString(), "--slot", Integer.toString(i), "--home", home(root, i).toString())));
            java.addAll(1, SystemTestSupport.JVM_FLAGS);
            final Child c = Child.start("registry-" + i, net.command(net.host(i), java),
                Map.of("CELL_HOST_NAME", "host-" + i));
            children.add(c);
            started.add(c);
        }
        for (final Child c : started)
        {
            c.awaitLine(Pattern.compile("registry ready"), TIMEOUT);
        }
    }

    private Path home(final Path root, final int host) throws IOException
    {
        final Path home = Files.createDirectories(root.resolve("host-" + host).resolve("home"));
        if (!homes.contains(home))
        {
            homes.add(home);
        }
        return home;
    }

    private static Path registry(final Path root, final int host)
    {
        return root.resolve("host-" + host).resolve("registry");
    }

    private static void awaitListed(final Path home) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (RegistryView.read(home, "exchange").size() != 1)
        {
            assertTrue(System.nanoTime() - deadline < 0, "host A's view lists host B's exchange");
            Thread.sleep(20);
        }
    }

    private static RegistryView.Release awaitAgreed(final Path home, final String owner) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        RegistryView.Release agreed;
        while ((agreed = RegistryView.releases(home, "exchange").find("exchange", "v1", owner)) == null)
        {
            assertTrue(System.nanoTime() - deadline < 0, "host A's registry replica agrees exchange@v1");
            Thread.sleep(20);
        }
        return agreed;
    }

    private static Path mirrorDir(final Path home) throws IOException
    {
        try (Stream<Path> caches = Files.list(home.resolve("spawn")))
        {
            final List<Path> tags = caches.map(c -> c.resolve("v1")).filter(Files::isDirectory).toList();
            assertEquals(1, tags.size(), "one spawned release: " + tags);
            return tags.getFirst().toRealPath();
        }
    }

    /**
     * @return the first line after {@code skip} whose answering folder is {@code folder}.
     */
    private static String awaitServed(final Path log, final String folder, final int skip) throws Exception
    {
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true)
        {
            final List<String> lines = lines(log);
            for (int i = skip; i < lines.size(); i++)
            {
                final String[] words = lines.get(i).split(" ");
                if (words.length == 3 && Path.of(words[1]).toRealPath().equals(Path.of(folder).toRealPath()))
                {
                    return lines.get(i);
                }
            }
            assertTrue(System.nanoTime() - deadline < 0, "a call answered by " + folder + ": " + lines);
            Thread.sleep(20);
        }
    }

    private static List<String> lines(final Path file) throws IOException
    {
        return Files.isRegularFile(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    /**
     * @return the time of the trader's {@code race.spawn} event and the supervisor's answer in its
     * {@code race.spawned} event, from its instance log.
     */
    private static Map<String, String> spawnEvents(final Path trader) throws Exception
    {
        final Pattern ts = Pattern.compile("\"ts\":\"([^\"]+)\"");
        final Pattern answer = Pattern.compile("\"answer\":\"((?:[^\"\\\\]|\\\\.)*)\"");
        final long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true)
        {
            String decided = null;
            String answered = null;
            try (Stream<Path> files = Files.walk(trader.resolve(".cell")))
            {
                for (final Path f : files.filter(p -> p.toString().endsWith(".log") ||
                    p.toString().endsWith(".jsonl")).toList())
                {
                    for (final String line : Files.readAllLines(f, StandardCharsets.UTF_8))
                    {
                        if (line.contains("\"race.spawn\"") && decided == null)
                        {
                            final Matcher m = ts.matcher(line);
                            decided = m.find() ? m.group(1) : null;
                        }
                        if (line.contains("\"race.spawned\""))
                        {
                            final Matcher m = answer.matcher(line);
                            answered = m.find() ? m.group(1) : line;
                        }
                    }
                }
            }
            if (decided != null && answered != null)
            {
                return Map.of("race.spawn", decided, "answer", answered);
            }
            assertTrue(System.nanoTime() - deadline < 0, "the trader logged race.spawn and race.spawned");
            Thread.sleep(50);
        }
    }

    private static void send(final Child child, final String line) throws IOException
    {
        final OutputStream in = child.process().getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
    }
}
