package dev.cell.cli;

import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.launch.Instances;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ps, stop and logs against a registry written by hand: dead entries vanish, a live process is stopped.
 */
@Timeout(60)
class RegistryCommandsTest
{
    @TempDir
    Path tmp;

    private Path home;
    private Path cellDir;
    private CellHomeProperty cellHome;
    private Process sleeper;

    @BeforeEach
    void setUp() throws IOException
    {
        home = Files.createDirectories(tmp.resolve("home"));
        cellDir = Files.createDirectories(tmp.resolve("exchange"));
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"exchange\"\n");
        cellHome = CellHomeProperty.set(home);
    }

    @AfterEach
    void tearDown()
    {
        if (cellHome != null)
        {
            cellHome.close();
        }
        if (sleeper != null)
        {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void deadInstancesAreNotListedAndTheirEntriesAreCleaned() throws Exception
    {
        final Path entry = registerDead("exchange-1");
        final Path runDir = cellDir.resolve(".cell/run/exchange-1");
        assertTrue(Files.isRegularFile(entry));

        final Cli ps = Cli.run("ps");
        assertEquals(0, ps.code(), ps.toString());
        assertTrue(ps.out().contains("no cell instances are running"), ps.toString());
        assertFalse(Files.exists(entry), "stale entry should be removed");
        assertFalse(Files.exists(runDir), "dead instance's run folder should be reclaimed");

        registerDead("exchange-2");
        final Cli json = Cli.run("ps", "--json");
        assertEquals("[]", json.out().trim(), json.toString());

        registerDead("exchange-3");
        final Cli stop = Cli.run("stop", "exchange");
        assertEquals(CellCommand.EXIT_USER_ERROR, stop.code(), stop.toString());
        assertTrue(stop.err().contains("nothing to stop: no live instance of cell 'exchange'"), stop.toString());
        final Cli stopDir = Cli.run("stop", cellDir.toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, stopDir.code(), stopDir.toString());
        assertTrue(stopDir.err().contains("nothing to stop: no live instance under " + cellDir.toRealPath()),
            stopDir.toString());
        assertFalse(Files.exists(InstanceRegistry.file(home, "exchange", "exchange-3")));
    }

    @Test
    void liveInstanceIsListedAndStoppedByNameOrFolder() throws Exception
    {
        registerLive("exchange-7");
        final Cli ps = Cli.run("ps");
        assertEquals(0, ps.code(), ps.toString());
        assertTrue(ps.out().startsWith("CELL"), ps.toString());
        assertTrue(ps.out().contains("exchange-7") && ps.out().contains(Long.toString(sleeper.pid())),
            ps.toString());
        assertTrue(ps.out().contains("00000000000000ab") && ps.out().contains("spin"), ps.toString());

        final Cli json = Cli.run("ps", "--json");
        assertTrue(json.out().contains("\"instance\":\"exchange-7\"") && json.out().contains("\"latency\":\"spin\""),
            json.toString());
        // No axon: a dash in the table, null in the JSON.
        assertTrue(ps.out().split("\n")[1].stripTrailing().matches(".* spin +-"), ps.toString());
        assertTrue(json.out().contains("\"axon\":null"), json.toString());

        final Cli stop = Cli.run("stop", cellDir.toString());
        assertEquals(0, stop.code(), stop.toString());
        assertTrue(stop.out().contains("stopped exchange exchange-7 (pid " + sleeper.pid() + ")"), stop.toString());
        assertTrue(sleeper.waitFor(5, TimeUnit.SECONDS));
        assertFalse(Files.exists(InstanceRegistry.file(home, "exchange", "exchange-7")));

        registerLive("exchange-8");
        final Cli byName = Cli.run("stop", "exchange");
        assertEquals(0, byName.code(), byName.toString());
        assertTrue(byName.out().contains("stopped exchange exchange-8"), byName.toString());
    }

    @Test
    void logsPrintsStoppedCellsLogsFromTheRecordedFolder() throws Exception
    {
        final Cli none = Cli.run("logs", "exchange");
        assertEquals(CellCommand.EXIT_USER_ERROR, none.code(), none.toString());
        assertTrue(none.err().contains("no logs for cell 'exchange'"), none.toString());

        new Instances(home).recordCell("exchange", cellDir);
        final Path logDir = Files.createDirectories(Instances.logDir(cellDir));
        Files.writeString(logDir.resolve("exchange-1.log"), "{\"event\":\"instance.started\"}\n{\"event\":\"x\"}\n");
        Files.writeString(logDir.resolve("exchange.out"), "not json\n");
        registerDead("exchange-1");

        final Cli logs = Cli.run("logs", "exchange", "--json");
        assertEquals(0, logs.code(), logs.toString());
        assertEquals("{\"event\":\"instance.started\"}\n{\"event\":\"x\"}\n", logs.out());
        final Cli readable = Cli.run("logs", "exchange");
        assertEquals(0, readable.code(), readable.toString());
        assertTrue(readable.out().startsWith("exchange-1       |       instance.started\n"), readable.toString());
    }

    private Path registerDead(final String id) throws Exception
    {
        final Process p = new ProcessBuilder("true").start();
        p.waitFor();
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/" + id));
        return InstanceRegistry.register(home, new InstanceRecord("exchange", id, p.pid(),
            p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis()),
            runDir, cellDir, "00000000000000ab", "eco"));
    }

    private void registerLive(final String id) throws Exception
    {
        sleeper = new ProcessBuilder("sleep", "60").start();
        final long start = sleeper.info().startInstant().map(java.time.Instant::toEpochMilli).orElseThrow();
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/" + id));
        InstanceRegistry.register(home, new InstanceRecord("exchange", id, sleeper.pid(), start, runDir, cellDir,
            "00000000000000ab", "spin"));
    }
}
