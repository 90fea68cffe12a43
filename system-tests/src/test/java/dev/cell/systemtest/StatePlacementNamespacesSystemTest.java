package dev.cell.systemtest;

import dev.cell.systemtest.net.NetNamespaces;
import dev.cell.systemtest.net.NetnsRequirement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stateful cell placed on three hosts by its {@code cell.toml} alone ({@code [state] hosts}): the {@code kv} cell,
 * one copy of its folder per network-namespace host, its group defined once ({@code cell state define}) and copied
 * ({@code cell state copy}); {@code cell mitosis} on each host runs the one replica whose address is that host's. A
 * value put on host 0 is read on host 2; with host 1's supervisor and replica killed (-9) writes still commit and are
 * read on host 2. A mitosis on a copy whose group was not copied is refused with what to do.
 */
@Timeout(600)
class StatePlacementNamespacesSystemTest
{
    private static final Path KV = Path.of("../examples/kv").toAbsolutePath().normalize();
    private static final int PORT = 7820;

    private final List<Path> homes = new ArrayList<>();

    @AfterEach
    void killEverything() throws IOException
    {
        for (final Path home : homes)
        {
            SystemTestSupport.killSupervisors(home);
            SystemTestSupport.killInstances(home);
        }
    }

    @Test
    void aKvGroupPlacedOnThreeHostsByCellTomlCommitsWithOneHostKilled() throws Exception
    {
        NetnsRequirement.requireNetns();
        final Path root = SystemTestSupport.newDir("state-hosts");
        try (NetNamespaces net = NetNamespaces.create(3))
        {
            final Path built = SystemTestSupport.copyCell(KV, root.resolve("kv-built"), "kv",
                "<dependency><groupId>dev.cell</groupId><artifactId>cell-raft</artifactId><version>" +
                SystemTestSupport.CELL_VERSION + "</version></dependency>");
            SystemTestSupport.write(built.resolve("cell.toml"), """
                [cell]
                name = "kv"

                [state]
                replicas = 3
                hosts = ["%s:%d", "%s:%d", "%s:%d"]
                """.formatted(net.host(0).ip(), PORT, net.host(1).ip(), PORT, net.host(2).ip(), PORT));
            mustSucceed(SystemTestSupport.run(root, Map.of(), 300, SystemTestSupport.cli("build", built.toString(),
                "--offline")), "cell build kv");
            final List<Path> copies = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                copies.add(SystemTestSupport.copyBuilt(built, root.resolve("host-" + i).resolve("kv")));
                homes.add(Files.createDirectories(root.resolve("host-" + i).resolve("home")));
            }
            final SystemTestSupport.Result undefined = cliOn(net, 0, copies.getFirst(), "mitosis",
                copies.getFirst().toString(), "--detach", "--no-build");
            assertEquals(1, undefined.exitCode(), undefined.output());
            assertTrue(undefined.output().contains("its group is not defined") &&
                undefined.output().contains("cell state define"), undefined.output());

            mustSucceed(cliOn(net, 0, copies.getFirst(), "state", "define", copies.getFirst().toString()),
                "cell state define");
            for (int i = 1; i < 3; i++)
            {
                mustSucceed(cliOn(net, 0, copies.getFirst(), "state", "copy", copies.getFirst().toString(),
                    copies.get(i).toString()), "cell state copy");
            }
            final long startNs = System.nanoTime();
            final List<CompletableFuture<SystemTestSupport.Result>> started = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final int host = i;
                started.add(CompletableFuture.supplyAsync(() -> cliOnUnchecked(net, host, copies.get(host),
                    "mitosis", copies.get(host).toString(), "--detach", "--no-build")));
            }
            for (final CompletableFuture<SystemTestSupport.Result> f : started)
            {
                mustSucceed(f.get(), "cell mitosis of one host's kv");
            }
            for (int i = 0; i < 3; i++)
            {
                assertEquals(1, SystemTestSupport.registeredPids(homes.get(i)).size(), "one replica on host " + i);
            }
            final long upMs = (System.nanoTime() - startNs) / 1_000_000L;

            final long putNs = System.nanoTime();
            mustSucceed(cliOn(net, 0, root, "call", "kv", "put", "{\"key\":\"a\",\"value\":\"eA==\"}"), "put on 0");
            final long putMs = (System.nanoTime() - putNs) / 1_000_000L;
            final String read = mustSucceed(cliOn(net, 2, root, "call", "kv", "get", "{\"key\":\"a\"}"),
                "get on 2").output();
            assertTrue(read.contains("eA=="), "host 2 reads what host 0 wrote: " + read);

            // Every replica has applied the put before a host is killed: a replica that came up last may still be
            // catching up (its peers' connections to it wait out gRPC's and the appender's back-off), and a kill
            // then leaves two members of which one has an empty log (docs/architecture.md, "Known problem").
            final long caughtUpMs = awaitApplied(copies, 1);
            SystemTestSupport.killSupervisors(homes.get(1));
            SystemTestSupport.killInstances(homes.get(1));
            final long afterKillNs = System.nanoTime();
            mustSucceed(cliOn(net, 0, root, "call", "kv", "put", "{\"key\":\"b\",\"value\":\"eQ==\"}"),
                "put on 0 with host 1 gone");
            final long afterKillMs = (System.nanoTime() - afterKillNs) / 1_000_000L;
            final String again = mustSucceed(cliOn(net, 2, root, "call", "kv", "get", "{\"key\":\"b\"}"),
                "get on 2 with host 1 gone").output();
            assertTrue(again.contains("eQ=="), "two of three hosts commit: " + again);
            System.out.printf("[state] hosts: three hosts' mitosis -> one replica each in %d ms; put on host 0 " +
                "(a cell call, JVM start included) %d ms, read on host 2; every replica applied it %d ms later; " +
                "host 1 killed -9: next put %d ms%n", upMs, putMs, caughtUpMs, afterKillMs);
        }
    }

    /**
     * @return ms until every host's replica says ({@code raft-status}) it applied {@code index}, within 60 s.
     */
    private static long awaitApplied(final List<Path> copies, final long index) throws IOException
    {
        final long startNs = System.nanoTime();
        final long deadline = startNs + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadline < 0)
        {
            int applied = 0;
            for (int host = 0; host < copies.size(); host++)
            {
                final Path status = copies.get(host).resolve(".cell/replicas/" + host + "/raft-status");
                if (Files.exists(status))
                {
                    final java.util.Properties p = new java.util.Properties();
                    try (var in = Files.newInputStream(status))
                    {
                        p.load(in);
                    }
                    if (Long.parseLong(p.getProperty("appliedIndex", "-1")) >= index)
                    {
                        applied++;
                    }
                }
            }
            if (applied == copies.size())
            {
                return (System.nanoTime() - startNs) / 1_000_000L;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
        }
        throw new AssertionError("not every replica of kv applied index " + index + " within 60 s");
    }

    private SystemTestSupport.Result cliOn(final NetNamespaces net, final int host, final Path dir,
        final String... args) throws IOException, InterruptedException
    {
        return SystemTestSupport.run(dir, Map.of("CELL_HOME", homes.get(host).toString(), "CELL_HOST_NAME",
            "host-" + host), 240, net.command(net.host(host), SystemTestSupport.cli(args)));
    }

    private SystemTestSupport.Result cliOnUnchecked(final NetNamespaces net, final int host, final Path dir,
        final String... args)
    {
        try
        {
            return cliOn(net, host, dir, args);
        }
        catch (final IOException | InterruptedException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
