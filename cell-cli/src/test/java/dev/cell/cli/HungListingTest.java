package dev.cell.cli;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.launch.InstanceLauncher;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.supervise.Orphans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell ps} reads each instance's heartbeat: an old one shows "hung"; the supervisor flags an instance
 * carries are read back; {@code hung_timeout} is parsed with the other {@code [life_cycle]} keys; an orphan
 * registered by hand is stopped by {@link Orphans#reclaim}.
 */
@Timeout(60)
class HungListingTest
{
    @TempDir
    Path tmp;

    private Path home;
    private CellHomeProperty cellHome;
    private Process process;

    @BeforeEach
    void setUp() throws Exception
    {
        home = Files.createDirectories(tmp.resolve("home"));
        cellHome = CellHomeProperty.set(home);
    }

    @AfterEach
    void tearDown()
    {
        if (process != null)
        {
            process.destroyForcibly();
        }
        if (cellHome != null)
        {
            cellHome.close();
        }
    }

    @Test
    void psMarksAnInstanceWithAnOldHeartbeatAsHung() throws Exception
    {
        process = new ProcessBuilder("sleep", "60").start();
        final Path cellDir = Files.createDirectories(tmp.resolve("exchange"));
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/exchange-1"));
        try (InstanceFile file = InstanceFile.create(runDir, 0xab, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            InstanceRegistry.register(home, new InstanceRecord("exchange", "exchange-1", process.pid(),
                process.info().startInstant().orElseThrow().toEpochMilli(), runDir, cellDir, "00000000000000ab", "eco"));
            file.heartbeat(System.currentTimeMillis());
            Cli ps = Cli.run("ps");
            assertTrue(ps.out().contains("STATUS") && ps.out().contains("serving"), ps.toString());
            file.heartbeat(System.currentTimeMillis() - 7_000);
            ps = Cli.run("ps");
            assertTrue(ps.out().contains("hung (7s)"), ps.toString());
            final Cli json = Cli.run("ps", "--json");
            assertTrue(json.out().contains("\"status\":\"hung\""), json.toString());
            assertTrue(json.out().matches("(?s).*\"heartbeatAgeMs\":7\\d\\d\\d.*"), json.toString());
            Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"exchange\"\n");
            final Cli status = Cli.run("status", cellDir.toString(), "--json", "--interval", "1ms");
            assertTrue(status.out().contains("\"instance\":\"exchange-1\",\"pid\":" + process.pid() +
                ",\"state\":\"hung\""), status.toString());
        }
        assertEquals("starting", PsCommand.status(0, 10));
        assertEquals("serving", PsCommand.status(9_000, 10_000));
        assertEquals("hung", PsCommand.status(7_000, 10_000));
    }

    @Test
    void theSupervisorFlagsAreReadFromAnInstanceCommandLine() throws Exception
    {
        assertEquals(Optional.of(new Orphans.Owner(42, 1_700_000_000_123L)), Orphans.owner(List.of("java",
            "-Dcell.supervisor.pid=42", "-Dcell.supervisor.start=1700000000123", "-cp", "x")));
        assertEquals(Optional.empty(), Orphans.owner(List.of("java", "-cp", "x")));
        final Path cellDir = ProbeBinding.cellFolder(tmp, "");
        final List<String> command = InstanceLauncher.command(new TissueConfig.CellSpec("probe", cellDir,
            cellDir.resolve("cell.toml"), 1, dev.cell.runtime.IdleProfile.ECO), List.of());
        assertEquals(ProcessHandle.current().pid(), Orphans.owner(command).orElseThrow().pid());
    }

    @Test
    void anOrphanOfADeadSupervisorIsStoppedAndOneWithoutASupervisorRefused() throws Exception
    {
        final Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        final long deadStart = dead.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(1L);
        process = new ProcessBuilder("/bin/sh", "-c", "while :; do sleep 1; done", "cell-orphan",
            "-Dcell.supervisor.pid=" + dead.pid(), "-Dcell.supervisor.start=" + deadStart).start();
        final Path cellDir = Files.createDirectories(tmp.resolve("probe"));
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/probe-1"));
        InstanceRegistry.register(home, new InstanceRecord("probe", "probe-1", process.pid(),
            process.info().startInstant().orElseThrow().toEpochMilli(), runDir, cellDir, "00000000000000ee", "eco"));
        final List<String> report = Orphans.reclaim(new Instances(home), "probe");
        assertEquals(1, report.size(), report.toString());
        assertTrue(report.getFirst().contains("left by supervisor pid " + dead.pid()), report.toString());
        assertTrue(process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(new Instances(home).live("probe").isEmpty());

        process = new ProcessBuilder("sleep", "60").start();
        InstanceRegistry.register(home, new InstanceRecord("probe", "probe-2", process.pid(),
            process.info().startInstant().orElseThrow().toEpochMilli(), runDir, cellDir, "00000000000000ee", "eco"));
        final UserError e = assertThrows(UserError.class, () -> Orphans.reclaim(new Instances(home), "probe"));
        assertTrue(e.getMessage().contains("not started by a cell mitosis"), e.getMessage());
        assertTrue(process.isAlive(), "an instance started by hand is left alone");
    }

    @Test
    void hungTimeoutIsALifeCycleKey() throws Exception
    {
        final Path dir = Files.createDirectories(tmp.resolve("c"));
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"c\"\n");
        assertEquals(5_000, TissueTree.load(dir).node("c").lifeCycle().hungTimeout().toMillis());
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"c\"\n[life_cycle]\nhung_timeout = \"1s\"\n");
        assertEquals(1_000, TissueTree.load(dir).node("c").lifeCycle().hungTimeout().toMillis());
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"c\"\n[life_cycle]\nhung_timeout = \"100ms\"\n");
        final UserError e = assertThrows(UserError.class, () -> TissueTree.load(dir));
        assertTrue(e.getMessage().contains("life_cycle.hung_timeout = \"100ms\" is too short"), e.getMessage());
    }
}
