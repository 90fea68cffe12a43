package dev.cell.runtime.junction;

import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.log.JsonLinesLog;
import dev.cell.runtime.service.CellMain;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class InstanceMainTest
{
    @Test
    void cellMainServesLogsJsonLinesAndStopsCleanlyOnSigterm() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : System.getProperty("child.jvm.flags", "").trim().split("\\s+"))
        {
            if (!flag.isEmpty())
            {
                cmd.add(flag);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CellMain.class.getName(),
            "--cell-dir", cellDir.toString(), "--cell", EchoCell.NAME, "--latency", "eco", "--trace", "all"));
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(cellDir.resolve("stdout.txt").toFile());
        pb.environment().put("CELL_HOME", home.toString());
        pb.environment().put("CELL_LOG_STDOUT", "1");
        final Process child = pb.start();
        try
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                assertEquals(EchoCell.NAME + "-" + child.pid(), c.instanceId());
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 11);
                c.call(req, 0, 16, reply);
                assertEquals(11, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
            final InstanceRecord record = InstanceRegistry.live(home, EchoCell.NAME).getFirst();
            assertEquals(1, InstanceRegistry.calls(record));
            child.destroy(); // SIGTERM
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            assertTrue(child.exitValue() == 0 || child.exitValue() == 143, "exit " + child.exitValue());
            assertFalse(Files.exists(record.runDir()));
            assertTrue(InstanceRegistry.live(home).isEmpty());

            final Path logFile = JsonLinesLog.logFile(cellDir, record.instanceId());
            final List<String> lines = Files.readAllLines(logFile);
            final List<String> events = new ArrayList<>();
            for (final String line : lines)
            {
                final Map<String, Object> entry = Json.parseObject(line);
                for (final String key : List.of("ts", "level", "cell", "instance", "event", "traceId", "spanId",
                    "fields"))
                {
                    assertTrue(entry.containsKey(key), key + " in " + line);
                }
                final String event = (String)entry.get("event");
                events.add(event);
                if ("span".equals(event))
                {
                    // --trace all: the one call's span, though the test's new trace was most likely not sampled.
                    assertTrue(String.valueOf(entry.get("traceId")).matches("[0-9a-f]{32}"), line);
                    assertTrue(String.valueOf(entry.get("spanId")).matches("[0-9a-f]{16}"), line);
                    final Map<?, ?> fields = (Map<?, ?>)entry.get("fields");
                    assertEquals("echo", fields.get("handler"), line);
                    assertEquals("ok", fields.get("outcome"), line);
                    assertNull(fields.get("parentSpanId"), line);
                }
                else
                {
                    assertNull(entry.get("traceId"), "instance lines outside a call carry no trace: " + line);
                }
            }
            assertEquals(List.of("instance.started", "echo.started", "connection.opened", "span", "connection.closed",
                "instance.stopped").stream().sorted().toList(), events.stream().sorted().toList(), lines.toString());
            final String started = lines.stream().filter(l -> l.contains("instance.started")).findFirst().orElseThrow();
            assertTrue(started.contains("\"pid\":" + child.pid()), started);
            assertTrue(started.contains("\"fingerprint\":\"" + EchoCell.FINGERPRINT + "\""), started);
            assertTrue(Files.readString(cellDir.resolve("stdout.txt")).contains("instance.started"),
                "CELL_LOG_STDOUT=1 echoes to stdout");
        }
        finally
        {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void registryRemovesStaleEntriesAndReclaimsTheirRunFolders() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final Path runDir = Files.createDirectories(cellDir.resolve(".cell/run/ghost-1"));
        Files.writeString(runDir.resolve("instance.dat"), "x");
        final Process dead = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-version").start();
        dead.waitFor(30, TimeUnit.SECONDS);
        InstanceRegistry.register(home, new InstanceRecord("ghost", "ghost-1", dead.pid(), 1L, runDir, cellDir,
            "00000000000000aa", "eco"));
        final Path self = cellDir.resolve(".cell/run/me-1");
        InstanceRegistry.register(home, new InstanceRecord("me", "me-1", ProcessHandle.current().pid(),
            ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli(), self, cellDir,
            "00000000000000ab", "spin"));
        Files.writeString(InstanceRegistry.dir(home).resolve("ghost").resolve("garbage.json"), "{not json");

        final List<InstanceRecord> live = InstanceRegistry.live(home);
        assertEquals(1, live.size());
        assertEquals("me-1", live.getFirst().instanceId());
        assertEquals("spin", live.getFirst().latency());
        assertEquals(-1, InstanceRegistry.calls(live.getFirst()), "no instance.dat: unreadable");
        assertFalse(Files.exists(runDir), "dead instance's run folder reclaimed");
        assertFalse(Files.exists(InstanceRegistry.file(home, "ghost", "ghost-1")));
        assertFalse(Files.exists(InstanceRegistry.dir(home).resolve("ghost").resolve("garbage.json")));
        InstanceRegistry.unregister(home, "me", "me-1");
        assertTrue(InstanceRegistry.live(home, "me").isEmpty());
    }

    @Test
    void blockingCallPathAllocatesNothing() throws Exception
    {
        final Path home = newDir("home");
        try (var server = startEcho(home, newDir("cell"), dev.cell.runtime.IdleProfile.SPIN, new MemoryLog());
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), spin(client(home))))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final int len = EchoCell.request(req, EchoCell.ECHO, 1);
            final Reply reply = new Reply();
            for (int i = 0; i < 50_000; i++)
            {
                c.call(req, 0, len, reply);
            }
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++)
            {
                c.call(req, 0, len, reply);
            }
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("10,000 blocking calls allocated " + allocated + " bytes on the calling thread");
            assertTrue(allocated < 1_000, "allocated " + allocated + " bytes");
        }
    }
}
