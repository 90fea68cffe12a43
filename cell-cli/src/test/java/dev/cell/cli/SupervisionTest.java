package dev.cell.cli;

import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.Instances.Instance;
import dev.cell.tissue.supervise.Orphans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real supervisors (detached {@code cell mitosis}) and real instances of the hand-written {@link ProbeBinding}
 * cell: a supervisor killed with SIGKILL leaves no instance behind and the next mitosis starts no duplicate; a
 * second concurrent mitosis refuses, naming the first; an instance stopped with SIGSTOP is killed and restarted
 * after its {@code hung_timeout}. Every process a test starts is killed in {@link #tearDown()}.
 */
@Timeout(240)
class SupervisionTest
{
    private static final Pattern DETACHED = Pattern.compile("detached: supervisor pid (\\d+)");

    @TempDir
    Path tmp;

    private Path home;
    private CellHomeProperty cellHome;
    private final List<Long> stopped = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException
    {
        home = Files.createDirectories(tmp.resolve("home"));
        cellHome = CellHomeProperty.set(home);
    }

    @AfterEach
    void tearDown() throws Exception
    {
        for (final long pid : stopped)
        {
            signal("CONT", pid);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        TissueProcesses.killAll(home);
        if (cellHome != null)
        {
            cellHome.close();
        }
    }

    @Test
    void aKilledSupervisorLeavesNoOrphanAndASecondMitosisRefusesOrAdoptsWithoutDuplicates() throws Exception
    {
        final Path root = tissue("orphans", "");
        final long first = detach(root);
        final List<Long> firstPids = pids(2);
        for (final long pid : firstPids)
        {
            assertEquals(first, Orphans.ownerOf(pid).orElseThrow().pid(), "instances carry their supervisor's pid");
        }

        // Two at once: the second refuses at once, naming the first, attached or detached, and starts nothing.
        final long t0 = System.nanoTime();
        final Cli attached = Cli.run("mitosis", root.toString(), "--no-build");
        assertEquals(CellCommand.EXIT_USER_ERROR, attached.code(), attached.toString());
        assertTrue(attached.err().contains("tissue 'orphans' is already supervised by pid " + first),
            attached.toString());
        final Cli detached = Cli.run("mitosis", root.toString(), "--detach", "--no-build");
        assertEquals(CellCommand.EXIT_USER_ERROR, detached.code(), detached.toString());
        assertTrue(detached.err().contains("already supervised by pid " + first), detached.toString());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "refused at once");
        assertEquals(Set.copyOf(firstPids), Set.copyOf(pids(2)), "nothing started twice");

        // kill -9 of the supervisor: its instances notice and stop by themselves.
        kill9(first);
        await("the instances of a killed supervisor stop", 15, () -> firstPids.stream().noneMatch(SupervisionTest::alive));

        final long second = detach(root);
        final List<Long> secondPids = pids(2);
        assertTrue(secondPids.stream().noneMatch(firstPids::contains), secondPids + " vs " + firstPids);

        // An instance that cannot notice (SIGSTOP) outlives its killed supervisor: the next mitosis stops it first.
        final long frozen = secondPids.getFirst();
        signal("STOP", frozen);
        stopped.add(frozen);
        kill9(second);
        final long other = secondPids.get(1);
        await("the running instance of the killed supervisor stops", 15, () -> !alive(other));
        assertTrue(alive(frozen));
        final long third = detach(root);
        assertFalse(alive(frozen), "the orphan was stopped before anything started");
        final List<Long> thirdPids = pids(2);
        assertTrue(thirdPids.stream().noneMatch(secondPids::contains), thirdPids + " vs " + secondPids);
        for (final long pid : thirdPids)
        {
            assertEquals(third, Orphans.ownerOf(pid).orElseThrow().pid());
        }
        assertTrue(Files.readString(root.resolve(".cell/log/supervisor.out")).contains("orphan probe-" + frozen),
            Files.readString(root.resolve(".cell/log/supervisor.out")));

        final Cli stop = Cli.run("stop", root.toString());
        assertEquals(0, stop.code(), stop.toString());
        await("the tissue stops", 30, () -> new Instances(home).live("probe").isEmpty() && !alive(third));
    }

    @Test
    void aStoppedInstanceIsKilledAndRestartedAfterItsHungTimeout() throws Exception
    {
        final Path root = tissue("hung", "[life_cycle]\nhung_timeout = \"1s\"\n");
        final long supervisor = detach(root);
        final long pid = pids(1).getFirst();
        final long t0 = System.nanoTime();
        signal("STOP", pid);
        stopped.add(pid);
        await("a new instance replaces the hung one", 30, () ->
        {
            final List<Instance> live = new Instances(home).live("probe");
            return !alive(pid) && live.size() == 1 && live.getFirst().pid() != pid;
        });
        final double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds >= 1.0, "not before hung_timeout: " + seconds + " s");
        assertTrue(alive(supervisor));
        final String out = Files.readString(root.resolve(".cell/log/supervisor.out"));
        assertTrue(out.contains("hung") && out.contains("probe-" + pid) && out.contains("hung_timeout 1000 ms"), out);
        final String log = Files.readString(root.resolve("probe/.cell/log/probe-" + pid + ".log"));
        assertTrue(log.contains("\"event\":\"instance.hung\""), log);

        final Cli status = Cli.run("status", root.toString(), "--json", "--interval", "1ms");
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains("was hung (no heartbeat for"), status.toString());
        assertTrue(status.out().contains("\"restarts\":1"), status.toString());
    }

    private Path tissue(final String name, final String lifeCycle) throws IOException
    {
        final Path root = Files.createDirectories(tmp.resolve(name));
        ProbeBinding.cellFolder(Files.createDirectories(root.resolve("probe")), lifeCycle);
        final int replicas = name.equals("hung") ? 1 : 2;
        Files.writeString(root.resolve("cell.toml"), "[tissue]\nname = \"" + name + "\"\n[cells]\n" +
            "probe = { path = \"probe\", replicas = " + replicas + " }\n");
        return root;
    }

    private static long detach(final Path root)
    {
        final Cli cli = Cli.run("mitosis", root.toString(), "--detach", "--no-build", "--ready-timeout", "60s");
        assertEquals(0, cli.code(), cli.toString());
        final Matcher m = DETACHED.matcher(cli.out());
        assertTrue(m.find(), cli.toString());
        return Long.parseLong(m.group(1));
    }

    private List<Long> pids(final int expected)
    {
        final List<Instance> live = new Instances(home).live("probe");
        assertEquals(expected, live.size(), "instances of probe: " + live);
        return live.stream().map(Instance::pid).toList();
    }

    private static boolean alive(final long pid)
    {
        return dev.cell.ring.Liveness.isAlive(pid, 0); // a zombie nobody reaped yet counts as gone
    }

    private static void kill9(final long pid)
    {
        final ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        h.destroyForcibly();
        h.onExit().orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static void signal(final String signal, final long pid) throws Exception
    {
        final Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start();
        if (!p.waitFor(10, TimeUnit.SECONDS))
        {
            p.destroyForcibly();
        }
    }

    private static void await(final String what, final long seconds, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail(what + ": not within " + seconds + " s");
            }
            LockSupport.parkNanos(50_000_000L);
        }
    }
}
