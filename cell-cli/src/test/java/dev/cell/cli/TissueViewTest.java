package dev.cell.cli;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.ControlServer;
import dev.cell.tissue.supervise.TissueSupervisor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code cell ui} shows: states as the page names them, rates and percentiles from an instance's
 * {@code instance.dat} over the window, events from one sample to the next (an exit and restart, a state change,
 * errors, a crash-looped cell, the supervisor coming and going), and the supervisor's own answer read over its
 * control port.
 */
@Timeout(60)
class TissueViewTest
{
    @TempDir
    Path tmp;

    private Process process;

    @AfterEach
    void tearDown()
    {
        if (process != null)
        {
            process.destroyForcibly();
        }
    }

    @Test
    void statesAreNamedAsAnOperatorReadsThem()
    {
        assertEquals("serving", TissueView.shown("ready", 0, false));
        assertEquals("hung", TissueView.shown("ready", 0, true));
        assertEquals("restarting", TissueView.shown("backoff", 1, false));
        assertEquals("starting", TissueView.shown("starting", 0, false));
        assertEquals("restarting", TissueView.shown("starting", 2, false));
        assertEquals("stopped", TissueView.shown("stopped", 0, false));
        assertEquals("dormant", TissueView.shown("dormant", 0, false));

        assertEquals("restarting", TissueView.cellState("ready", List.of(Map.of("state", "serving"),
            Map.of("state", "restarting"))));
        assertEquals("serving", TissueView.cellState("ready", List.of(Map.of("state", "serving"))));
        assertEquals("hung", TissueView.cellState("", List.of(Map.of("state", "restarting"), Map.of("state", "hung"))));
        assertEquals("failed", TissueView.cellState("failed", List.of(Map.of("state", "serving"))));
        assertEquals("stopped", TissueView.cellState("", List.of()));
    }

    @Test
    void anExitARestartAndTheRecoveryBecomeEventsAndTheSlotKeepsItsKey() throws Exception
    {
        final Path cellDir = cellFolder("ledger");
        final TissueView view = new TissueView(TissueTree.load(cellDir), tmp.resolve("home"), Duration.ofSeconds(5));
        final long t0 = System.nanoTime();
        Map<String, Object> v = view.update(inputs(t0, slot(0, "ledger-100", 100, "ready", 0, "", -1), ""));
        assertEquals("serving", row(v).get("state"));
        assertEquals("ledger/replica-0", row(v).get("key"));
        assertEquals(List.of("supervisor"), kinds(v), "only the start is an event at first");

        v = view.update(inputs(t0 + 1, slot(0, "ledger-100", -1, "backoff", 1, "was killed (SIGKILL, exit code 137)",
            -1), ""));
        assertEquals("restarting", row(v).get("state"));
        assertEquals(-1L, row(v).get("pid"));
        assertEquals(List.of("state", "exit", "supervisor"), kinds(v), "newest first");
        assertEquals("ledger-100 was killed (SIGKILL, exit code 137); restart 1", text(v, 1));
        assertEquals("ledger-100 serving → restarting", text(v, 0));

        v = view.update(inputs(t0 + 2, slot(0, "ledger-200", 200, "starting", 1, "was killed (SIGKILL, exit code 137)",
            -1), ""));
        assertEquals("restarting", row(v).get("state"), "starting again after a crash is still restarting");
        assertEquals(3, kinds(v).size(), "nothing new: same restart, same state");

        v = view.update(inputs(t0 + 3, slot(0, "ledger-200", 200, "ready", 1, "was killed (SIGKILL, exit code 137)",
            840), ""));
        assertEquals("serving", row(v).get("state"));
        assertEquals(1L, row(v).get("restarts"));
        assertEquals("ledger-200 restarting → serving (replaced 840 ms after the exit)", text(v, 0));

        v = view.update(new TissueView.Inputs(System.currentTimeMillis(), t0 + 4, null, "no supervisor running",
            Map.of("ledger", List.of()), Map.of()));
        assertEquals("stopped", cell(v).get("state"));
        assertEquals("supervisor gone: no supervisor running", text(v, 0));
        assertEquals(-1L, v.get("supervisorPid"));
    }

    @Test
    void aCrashLoopedCellShowsFailedWithItsReason() throws Exception
    {
        final Path cellDir = cellFolder("ledger");
        final TissueView view = new TissueView(TissueTree.load(cellDir), tmp.resolve("home"), Duration.ofSeconds(5));
        view.update(inputs(1, slot(0, "ledger-1", 1, "ready", 0, "", -1), ""));
        final Map<String, Object> v = view.update(inputs(2, slot(0, "ledger-1", -1, "failed", 5, "exited with code 1",
            -1), "cell 'ledger' stopped: crash loop, 6 crashes within 1m0s"));
        assertEquals("failed", cell(v).get("state"));
        assertEquals("cell 'ledger' stopped: crash loop, 6 crashes within 1m0s", cell(v).get("reason"));
        assertTrue(kinds(v).contains("cell"), v.get("events").toString());
    }

    @Test
    void ratesPercentilesAndErrorsComeFromTheInstanceFileOverTheWindow() throws Exception
    {
        final Path home = Files.createDirectories(tmp.resolve("home"));
        final Path cellDir = cellFolder("exchange");
        process = new ProcessBuilder("sleep", "60").start();
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/exchange-1"));
        try (InstanceFile file = InstanceFile.create(runDir, 0xab, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            InstanceRegistry.register(home, new InstanceRecord("exchange", "exchange-1", process.pid(),
                process.info().startInstant().orElseThrow().toEpochMilli(), runDir, cellDir, "00000000000000ab",
                "eco"));
            file.heartbeat(System.currentTimeMillis());
            final TissueView view = new TissueView(TissueTree.load(cellDir), home, Duration.ofSeconds(5));
            Map<String, Object> v = view.sample();
            assertEquals("no supervisor running (start the tissue with cell mitosis)", v.get("supervisor"));
            assertEquals("serving", row(v).get("state"), "registered, heartbeating, not supervised");
            assertEquals("exchange/pid-" + process.pid(), row(v).get("key"));
            assertEquals(-1L, row(v).get("p99Ns"), "one reading: no interval yet");

            for (int i = 0; i < 100; i++)
            {
                file.incrementCalls();
                file.recordServiceTime(i < 50 ? 1_000 : 80_000);
            }
            file.incrementErrors();
            file.incrementErrors();
            file.heartbeat(System.currentTimeMillis());
            v = view.sample();
            final Map<String, Object> r = row(v);
            assertEquals(100L, r.get("calls"));
            assertEquals(2L, r.get("errors"));
            assertTrue((Double)r.get("callsPerSecond") > 0, r.toString());
            assertTrue((Double)r.get("errorsPerSecond") > 0, r.toString());
            final long p50 = (Long)r.get("p50Ns");
            final long p99 = (Long)r.get("p99Ns");
            assertTrue(p50 >= 1_000 && p50 < 1_250, "p50 within its bucket's 25 %: " + p50);
            assertTrue(p99 >= 80_000 && p99 < 100_000, "p99 within its bucket's 25 %: " + p99);
            assertEquals("exchange-1: 2 calls answered with an error (2 in all)", text(v, 0));

            file.heartbeat(System.currentTimeMillis() - 7_000);
            assertEquals("hung", row(view.sample()).get("state"));
        }
    }

    @Test
    void theSupervisorsStatusIsReadOverItsControlPort() throws Exception
    {
        final Path home = tmp.resolve("home");
        final Path cellDir = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("probe")), "");
        final TissueTree tree = TissueTree.load(cellDir);
        final TissueSupervisor supervisor = new TissueSupervisor(tree, home, false, Duration.ofSeconds(5),
            new PrintWriter(new StringWriter()));
        try (ControlServer control = new ControlServer(supervisor, home, () -> { }))
        {
            control.publish();
            final Map<String, Object> v = new TissueView(tree, home, Duration.ofSeconds(1)).sample();
            assertEquals("running", v.get("supervisor"));
            assertEquals(ProcessHandle.current().pid(), v.get("supervisorPid"));
            assertEquals("waiting", cell(v).get("supervisorState"), v.toString());
            assertEquals("waiting", row(v).get("state"), "a slot not started yet");
            assertEquals("probe/replica-0", row(v).get("key"));
            @SuppressWarnings("unchecked") final Map<String, Object> top = (Map<String, Object>)v.get("tree");
            assertEquals("probe", top.get("cell"));
        }
    }

    private Path cellFolder(final String name) throws Exception
    {
        final Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"" + name + "\"\n");
        return dir;
    }

    private static Map<String, Object> slot(final long replica, final String instance, final long pid,
        final String state, final long restarts, final String lastExit, final long recoveryMs)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("replica", replica);
        m.put("instance", instance);
        m.put("pid", pid);
        m.put("state", state);
        m.put("restarts", restarts);
        m.put("lastExit", lastExit);
        m.put("recoveryMs", recoveryMs);
        return m;
    }

    private static TissueView.Inputs inputs(final long nanos, final Map<String, Object> slot, final String reason)
    {
        final Map<String, Object> cell = new HashMap<>();
        cell.put("cell", "ledger");
        cell.put("state", slot.get("state"));
        cell.put("reason", reason);
        cell.put("restarts", slot.get("restarts"));
        cell.put("instances", List.of(slot));
        final Map<String, Object> status = new HashMap<>();
        status.put("supervisorPid", 4242L);
        status.put("cells", List.of(cell));
        return new TissueView.Inputs(System.currentTimeMillis(), nanos, status, "", Map.of("ledger", List.of()),
            Map.of());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cell(final Map<String, Object> view)
    {
        return (Map<String, Object>)((List<Object>)view.get("cells")).getFirst();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> row(final Map<String, Object> view)
    {
        return (Map<String, Object>)((List<Object>)cell(view).get("instances")).getFirst();
    }

    @SuppressWarnings("unchecked")
    private static List<String> kinds(final Map<String, Object> view)
    {
        final List<String> kinds = new ArrayList<>();
        for (final Object e : (List<Object>)view.get("events"))
        {
            kinds.add(String.valueOf(((Map<String, Object>)e).get("kind")));
        }
        return kinds;
    }

    @SuppressWarnings("unchecked")
    private static String text(final Map<String, Object> view, final int index)
    {
        return String.valueOf(((Map<String, Object>)((List<Object>)view.get("events")).get(index)).get("text"));
    }
}
