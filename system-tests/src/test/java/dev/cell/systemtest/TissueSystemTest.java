package dev.cell.systemtest;

import dev.cell.runtime.genome.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tissues end to end through the {@code cell} command: the 4-level, 8-instance {@code examples/shop} built, booted,
 * shown, killed and healed, rolled and stopped; crash loops, memory limits, idle apoptosis and wake-up with probe
 * cells; GPU devices handed out, fallen back to the CPU or refused; and configurations that must fail before any
 * process starts.
 */
@Timeout(900)
class TissueSystemTest
{
    private static final Path SHOP = Path.of("../examples/shop").toAbsolutePath().normalize();
    private static final String BUY = "{\"customer\":\"ada\",\"sku\":\"apple\",\"quantity\":2}";

    private Path cellHome;

    @AfterEach
    void killEverything() throws IOException
    {
        if (cellHome != null)
        {
            SystemTestSupport.killInstances(cellHome);
        }
    }

    @Test
    void shopTissueBootsShowsItsTreeHealsKilledInstancesRollsAndStopsClean() throws Exception
    {
        final Path root = SystemTestSupport.newDir("shop");
        cellHome = root.resolve("cell-home");
        final Path shop = SystemTestSupport.copyProject(SHOP, root.resolve("shop"));

        final String up = mustSucceed(cell(root, cellHome, 600, "mitosis", shop.toString(), "--detach", "--offline"),
            "cell mitosis shop").output();
        assertTrue(up.contains("storefront       built"), up);
        assertEquals(8, SystemTestSupport.registeredPids(cellHome).size(), "8 instances registered\n" + up);

        final String tree = mustSucceed(cell(root, cellHome, 60, "status", shop.toString(), "--interval", "100ms"),
            "cell status").output();
        assertTrue(tree.contains("tissue shop"), tree);
        assertTrue(tree.contains("shop/\n└─ storefront  ready  replicas 2"), tree);
        assertTrue(tree.contains("   ├─ catalog  ready  replicas 2"), tree);
        assertTrue(tree.contains("   └─ orders  ready  replicas 2"), tree);
        assertTrue(tree.contains("      └─ ledger  ready  replicas 2"), tree);
        assertTrue(tree.contains("memory min 64 MiB max 256 MiB (enforced)"), tree);
        assertEquals(8, tree.lines().filter(l -> l.matches(".*[a-z]+-\\d+  ready  pid \\d+.*")).count(), tree);

        final String bought = mustSucceed(cell(root, cellHome, 60, "call", "storefront", "buy", BUY), "buy").output();
        assertTrue(bought.contains("\"total\":100"), bought);

        // kill -9 one instance of every cell, deepest first: each is restarted and the tissue serves again.
        for (final String name : List.of("ledger", "catalog", "orders", "storefront"))
        {
            final List<Map<String, Object>> before = instances(root, shop, name);
            final long victim = (Long)before.getFirst().get("pid");
            final long t0 = System.nanoTime();
            ProcessHandle.of(victim).orElseThrow().destroyForcibly();
            final List<Map<String, Object>> after = awaitInstances(root, shop, name,
                list -> list.size() == 2 && list.stream().noneMatch(i -> victim == (Long)i.get("pid")) &&
                    list.stream().allMatch(i -> "ready".equals(i.get("state"))));
            final SystemTestSupport.Result call = cell(root, cellHome, 60, "call", "storefront", "buy", BUY);
            final double ms = (System.nanoTime() - t0) / 1e6;
            assertEquals(0, call.exitCode(), call.output());
            final long recovered = after.stream().mapToLong(i -> (Long)i.get("recoveryMs")).max().orElse(-1);
            assertTrue(recovered > 0, after.toString());
            System.out.printf("kill -9 %s pid %d: supervisor saw the exit and had a new instance ready in %d ms " +
                "(back-off 200 ms included); serving again as seen from outside after %.0f ms%n", name, victim,
                recovered, ms);
            assertTrue(after.stream().anyMatch(i -> String.valueOf(i.get("lastExit")).contains("SIGKILL")), after.toString());
        }

        // Rolling restart: new pids, one at a time, and the storefront answers afterwards.
        final List<Long> oldFront = instances(root, shop, "storefront").stream().map(i -> (Long)i.get("pid")).toList();
        final String rolled = mustSucceed(cell(root, cellHome, 120, "restart", "storefront"), "restart").output();
        assertEquals(2, rolled.lines().filter(l -> l.startsWith("replaced storefront-")).count(), rolled);
        final List<Long> newFront = instances(root, shop, "storefront").stream().map(i -> (Long)i.get("pid")).toList();
        assertEquals(2, newFront.size());
        assertTrue(newFront.stream().noneMatch(oldFront::contains), oldFront + " -> " + newFront);
        mustSucceed(cell(root, cellHome, 60, "call", "storefront", "buy", BUY), "buy after restart");

        final List<Long> pids = SystemTestSupport.registeredPids(cellHome);
        final String stopped = mustSucceed(cell(root, cellHome, 120, "stop", shop.toString()), "cell stop").output();
        assertTrue(stopped.contains("stopped tissue shop"), stopped);
        for (final long pid : pids)
        {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " left");
        }
        assertTrue(SystemTestSupport.registeredPids(cellHome).isEmpty(), "registry empty");
        assertNoSupervisor();
        for (final String name : List.of("storefront", "orders", "catalog", "ledger"))
        {
            assertNoRunFiles(shop.resolve(name));
        }
        assertTrue(cell(root, cellHome, 60, "ps").output().contains("no cell instances are running"));
    }

    @Test
    void aCellCrashingOnStartIsStoppedAfterItsTriesAndReported() throws Exception
    {
        final Path root = SystemTestSupport.newDir("crash");
        cellHome = root.resolve("cell-home");
        final Path tissue = root.resolve("tissue");
        ProbeCells.cell(tissue.resolve("crasher"), "crasher",
            "[life_cycle]\nmax_restarts = 2\nbackoff = \"50ms\"\n");
        ProbeCells.cell(tissue.resolve("sleepy"), "sleepy", "");
        Files.writeString(tissue.resolve("cell.toml"),
            "[cells]\nsleepy = { path = \"sleepy\" }\ncrasher = { path = \"crasher\" }\n");

        final SystemTestSupport.Result result = cell(root, cellHome, 300, "mitosis", tissue.toString(), "--detach",
            "--no-build");
        assertEquals(1, result.exitCode(), result.output());
        final String out = result.output();
        assertTrue(out.contains("cell 'crasher' stopped: crash loop, 3 crashes within 1m0s (max_restarts = 2)"), out);
        assertTrue(out.contains("crashed on start (exited with code 1)"), out);
        assertEquals(3, out.lines().filter(l -> l.matches("crasher +starting crasher-.*")).count(), out);
        assertTrue(SystemTestSupport.registeredPids(cellHome).isEmpty(), "nothing left running");
        assertNoSupervisor();
    }

    @Test
    void anInstanceExceedingItsMemoryLimitIsKilledAndReportedAsSuch() throws Exception
    {
        final Path root = SystemTestSupport.newDir("memory");
        cellHome = root.resolve("cell-home");
        final Path hog = ProbeCells.cell(root.resolve("hog"), "hog",
            "[resources]\nmemory = { max = \"160m\" }\n\n[life_cycle]\nbackoff = \"100ms\"\n");
        mustSucceed(cell(root, cellHome, 300, "mitosis", hog.toString(), "--detach", "--no-build"), "mitosis hog");
        final long first = SystemTestSupport.registeredPids(cellHome).getFirst();

        final SystemTestSupport.Result small = cell(root, cellHome, 60, "call", "hog", "grab", "{\"mb\":16}");
        assertEquals(0, small.exitCode(), "16 MiB fit: " + small.output());
        final SystemTestSupport.Result big = cell(root, cellHome, 60, "call", "hog", "grab", "{\"mb\":400}");
        assertNotEquals(0, big.exitCode(), "400 MiB must not fit in 160 MiB: " + big.output());

        final List<Map<String, Object>> after = awaitInstances(root, hog, "hog",
            list -> list.stream().anyMatch(i -> String.valueOf(i.get("lastExit")).contains("memory limit exceeded")));
        assertFalse(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false), "the hog was killed");
        final String status = mustSucceed(cell(root, cellHome, 60, "status", hog.toString(), "--interval", "100ms"),
            "status").output();
        assertTrue(status.contains("memory limit exceeded (killed by the kernel at 160 MiB"), status);
        assertTrue(status.contains("memory max 160 MiB (enforced)"), status);
        assertTrue(after.toString().contains("exited with code 137"), after.toString());
        mustSucceed(cell(root, cellHome, 120, "stop", hog.toString()), "stop");
        assertNoSupervisor();
    }

    @Test
    void anIdleInstanceStopsItselfAndTheNextCallStartsItAgain() throws Exception
    {
        final Path root = SystemTestSupport.newDir("idle");
        cellHome = root.resolve("cell-home");
        final Path sleepy = ProbeCells.cell(root.resolve("sleepy"), "sleepy", "[life_cycle]\nidle_timeout = \"2s\"\n");
        mustSucceed(cell(root, cellHome, 300, "mitosis", sleepy.toString(), "--detach", "--no-build"), "mitosis");
        final long first = pidOf(mustSucceed(cell(root, cellHome, 60, "call", "sleepy", "ping", "{\"text\":\"a\"}"),
            "ping"));
        awaitInstances(root, sleepy, "sleepy", list -> list.size() == 1 && "dormant".equals(list.getFirst().get("state")));
        assertFalse(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false), "the idle instance exited");
        assertTrue(SystemTestSupport.registeredPids(cellHome).isEmpty(), "its registry entry is gone");
        assertNoRunFiles(sleepy);

        final long t0 = System.nanoTime();
        final SystemTestSupport.Result woken = cell(root, cellHome, 60, "call", "sleepy", "ping", "{\"text\":\"b\"}");
        final double ms = (System.nanoTime() - t0) / 1e6;
        assertEquals(0, woken.exitCode(), woken.output());
        assertNotEquals(first, pidOf(woken), "a new instance answered: " + woken.output());
        final Map<String, Object> status = Json.parseObject(mustSucceed(cell(root, cellHome, 60, "status",
            sleepy.toString(), "--json", "--interval", "10ms"), "status").output().trim());
        @SuppressWarnings("unchecked") final Map<String, Object> cellStatus =
            (Map<String, Object>)((List<Object>)status.get("cells")).getFirst();
        final long coldStartMs = (Long)cellStatus.get("coldStartMs");
        assertTrue(coldStartMs > 0, status.toString());
        System.out.printf("dormant sleepy woken by a call: cold start (wake request to ready) %d ms; the call " +
            "answered after %.0f ms (cell call's own JVM start included)%n", coldStartMs, ms);
        mustSucceed(cell(root, cellHome, 120, "stop", sleepy.toString()), "stop");
        assertNoSupervisor();
    }

    @Test
    void badTissuesFailBeforeAnyProcessStarts() throws Exception
    {
        final Path root = SystemTestSupport.newDir("invalid");
        cellHome = root.resolve("cell-home");

        final Path cycle = root.resolve("cycle");
        ProbeCells.cell(cycle.resolve("a"), "sleepy", "");
        ProbeCells.cell(cycle.resolve("b"), "hog", "");
        Files.writeString(cycle.resolve("cell.toml"), "[cells]\na = { path = \"a\", depends_on = [\"hog\"] }\n" +
            "b = { path = \"b\", depends_on = [\"sleepy\"] }\n");
        final String cycleOut = failing(root, cycle);
        assertTrue(cycleOut.contains(cycle.resolve("cell.toml") + ":2: dependency cycle: sleepy -> hog -> sleepy"),
            cycleOut);

        final Path over = root.resolve("over");
        ProbeCells.cell(over.resolve("a"), "sleepy", "[resources]\nmemory = \"300m\"\n");
        ProbeCells.cell(over.resolve("b"), "hog", "[resources]\nmemory = \"300m\"\n");
        Files.writeString(over.resolve("cell.toml"), "[cells]\na = { path = \"a\" }\nb = { path = \"b\" }\n\n" +
            "[resources]\nmemory = { max = \"512m\" }\n");
        final String overOut = failing(root, over);
        assertTrue(overOut.contains(over.resolve("cell.toml") + ":6: resources over-committed: the children of " +
            "'over' ask for memory max 600 MiB in all"), overOut);

        final Path wrong = root.resolve("wrong");
        ProbeCells.cell(wrong.resolve("a"), "sleepy", "");
        Files.writeString(wrong.resolve("cell.toml"), "[cells]\na = { path = \"a\" }\nb = { path = \"nowhere\" }\n");
        final String wrongOut = failing(root, wrong);
        assertTrue(wrongOut.contains(wrong.resolve("cell.toml") + ": cells.b.path = \"nowhere\": no such folder"),
            wrongOut);
        assertTrue(wrongOut.contains("(line 3)"), wrongOut);
    }

    @Test
    void gpuCellsGetTheirOwnDevicesFallBackToTheCpuOrAreRefusedBeforeAnythingStarts() throws Exception
    {
        final Path root = SystemTestSupport.newDir("gpus");
        cellHome = root.resolve("cell-home");
        final Map<String, String> oneGpu = Map.of("CELL_GPUS", "0"); // what this host may hand out: one device

        final Path strict = root.resolve("strict");
        ProbeCells.cell(strict.resolve("a"), "sleepy", "[resources]\ngpu = 1\n");
        Files.writeString(strict.resolve("cell.toml"), "[cells]\na = { path = \"a\", replicas = 2 }\n");
        final SystemTestSupport.Result refused = cell(root, cellHome, oneGpu, 120, "mitosis", strict.toString(),
            "--detach", "--no-build");
        assertEquals(1, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("not enough GPUs: cells without gpu_fallback ask for 2 in all " +
            "(sleepy 2 × 1); this host has 1: 0 (CELL_GPUS) (CELL_GPUS=0)"), refused.output());
        assertTrue(SystemTestSupport.registeredPids(cellHome).isEmpty(), "nothing started");
        assertFalse(Files.exists(strict.resolve(".cell/log/supervisor.out")), "no supervisor was forked");

        final Path lenient = root.resolve("lenient");
        ProbeCells.cell(lenient.resolve("a"), "sleepy", "[resources]\ngpu = 1\ngpu_fallback = \"cpu\"\n");
        Files.writeString(lenient.resolve("cell.toml"), "[cells]\na = { path = \"a\", replicas = 2 }\n");
        mustSucceed(cell(root, cellHome, oneGpu, 300, "mitosis", lenient.toString(), "--detach", "--no-build"),
            "mitosis with gpu_fallback");
        final List<String> seen = new ArrayList<>();
        for (final long pid : SystemTestSupport.registeredPids(cellHome))
        {
            final Map<String, String> env = environment(pid);
            seen.add(env.get("CUDA_VISIBLE_DEVICES") + "/" + env.get("CELL_ENZYME_BACKEND"));
            if ("cpu".equals(env.get("CELL_ENZYME_BACKEND")))
            {
                assertTrue(env.get("CELL_ENZYME_REASON").contains("0 free of 1"), env.toString());
            }
        }
        seen.sort(null);
        assertEquals(List.of("/cpu", "0/cuda"), seen, "one instance has the device, the other runs on the CPU");
        final String status = mustSucceed(cell(root, cellHome, 60, "status", lenient.toString(), "--interval",
            "100ms"), "status").output();
        assertTrue(status.contains("gpu max 1 (replica [0]: device 0 (CELL_GPUS) through CUDA_VISIBLE_DEVICES=0 " +
            "(visibility, not isolation); replica [1]: cpu fallback (gpu_fallback = \"cpu\")"), status);
        mustSucceed(cell(root, cellHome, 120, "stop", lenient.toString()), "stop");
        assertNoSupervisor();
    }

    @Test
    void gpusFoundByNvidiaSmiAreHandedOutAndStatusShowsWhatTheyDoNow() throws Exception
    {
        final Path root = SystemTestSupport.newDir("nvidia-smi");
        cellHome = root.resolve("cell-home");
        // A stand-in for the driver's tool, answering the two queries the supervisor makes (this machine has no GPU).
        final Path bin = Files.createDirectories(root.resolve("bin"));
        final Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, """
            #!/bin/sh
            case "$*" in
              *memory.used*) printf '0, 12800, 143771, 37\n1, 0, 143771, 0\n' ;;
              *) printf '0, NVIDIA H200, 143771\n1, NVIDIA H200, 143771\n' ;;
            esac
            """);
        Files.setPosixFilePermissions(smi, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        final Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"));
        final Path tissue = root.resolve("two");
        ProbeCells.cell(tissue.resolve("a"), "sleepy", "[resources]\ngpu = 1\n");
        Files.writeString(tissue.resolve("cell.toml"), "[cells]\na = { path = \"a\", replicas = 2 }\n");
        mustSucceed(cell(root, cellHome, env, 300, "mitosis", tissue.toString(), "--detach", "--no-build"),
            "mitosis with two GPUs");
        final List<String> visible = new ArrayList<>();
        for (final long pid : SystemTestSupport.registeredPids(cellHome))
        {
            visible.add(environment(pid).get("CUDA_VISIBLE_DEVICES"));
        }
        visible.sort(null);
        assertEquals(List.of("0", "1"), visible, "each instance its own device");
        final String status = mustSucceed(cell(root, cellHome, env, 60, "status", tissue.toString(), "--interval",
            "100ms"), "status").output();
        assertTrue(status.contains("replica [0]: device 0 (NVIDIA H200, 140 GiB) through CUDA_VISIBLE_DEVICES=0"),
            status);
        assertTrue(status.contains("now device 0 12.5 of 140 GiB used, 37 % busy; device 1 0.0 of 140 GiB used, " +
            "0 % busy"), status);
        mustSucceed(cell(root, cellHome, 120, "stop", tissue.toString()), "stop");
        assertNoSupervisor();
    }

    /**
     * The environment a process was started with, as the kernel keeps it.
     */
    private static Map<String, String> environment(final long pid) throws IOException
    {
        final Map<String, String> env = new java.util.HashMap<>();
        for (final String entry : Files.readString(Path.of("/proc/" + pid + "/environ")).split("\0"))
        {
            final int eq = entry.indexOf('=');
            if (eq > 0)
            {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private static long pidOf(final SystemTestSupport.Result pong)
    {
        final java.util.regex.Matcher pid = java.util.regex.Pattern.compile("\"pid\":(\\d+)").matcher(pong.output());
        assertTrue(pid.find(), pong.output());
        return Long.parseLong(pid.group(1));
    }

    private String failing(final Path root, final Path tissue) throws Exception
    {
        final SystemTestSupport.Result r = cell(root, cellHome, 120, "mitosis", tissue.toString(), "--detach",
            "--no-build");
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("nothing was started") || !r.output().contains("starting"), r.output());
        assertFalse(r.output().contains("starting"), "no instance was started:\n" + r.output());
        assertTrue(SystemTestSupport.registeredPids(cellHome).isEmpty());
        assertFalse(Files.exists(tissue.resolve(".cell/log/supervisor.out")), "no supervisor was forked");
        return r.output();
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> instances(final Path root, final Path tissue, final String name)
        throws Exception
    {
        final SystemTestSupport.Result r = cell(root, cellHome, 60, "status", tissue.toString(), "--json",
            "--interval", "10ms");
        if (r.exitCode() != 0)
        {
            return List.of();
        }
        final Map<String, Object> status = Json.parseObject(r.output().trim());
        for (final Object c : (List<Object>)status.get("cells"))
        {
            final Map<String, Object> cell = (Map<String, Object>)c;
            if (name.equals(cell.get("cell")))
            {
                final List<Map<String, Object>> list = new ArrayList<>();
                for (final Object i : (List<Object>)cell.get("instances"))
                {
                    list.add((Map<String, Object>)i);
                }
                return list;
            }
        }
        return List.of();
    }

    private List<Map<String, Object>> awaitInstances(final Path root, final Path tissue, final String name,
        final Predicate<List<Map<String, Object>>> condition) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        List<Map<String, Object>> last = List.of();
        while (System.nanoTime() < deadline)
        {
            last = instances(root, tissue, name);
            if (condition.test(last))
            {
                return last;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        fail("cell '" + name + "' did not reach the expected state within 120 s; last seen: " + last);
        return last;
    }

    private void assertNoSupervisor() throws IOException
    {
        final Path dir = cellHome.resolve("supervisors");
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final boolean alive = ProcessHandle.allProcesses().anyMatch(h -> h.info().commandLine()
                .map(c -> c.contains("-Dcell.home=" + cellHome) && c.contains("--supervise")).orElse(false));
            if (!alive)
            {
                break;
            }
            if (System.nanoTime() > deadline)
            {
                fail("a supervisor process of " + cellHome + " is still running");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        if (Files.isDirectory(dir))
        {
            try (Stream<Path> left = Files.list(dir))
            {
                // The tissue's lock file stays (deleting a lock file races with the next one to take it); entries go.
                assertFalse(left.anyMatch(p -> p.getFileName().toString().endsWith(".json")),
                    "no supervisor entry left in " + dir);
            }
        }
    }

    private static void assertNoRunFiles(final Path cellDir) throws IOException
    {
        final Path run = cellDir.resolve(".cell/run");
        if (Files.isDirectory(run))
        {
            try (Stream<Path> left = Files.list(run))
            {
                assertFalse(left.findAny().isPresent(), "no run files left in " + run);
            }
        }
    }
}
