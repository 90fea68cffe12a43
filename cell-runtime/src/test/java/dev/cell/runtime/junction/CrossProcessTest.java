package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class CrossProcessTest
{
    @Test
    void killMinusNineDuringCallIsRemoteCrashWithinOneSecondThenRestartWorks() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        Process child = null;
        try
        {
            child = startChild(home, cellDir);
            final List<InstanceRecord> live = InstanceRegistry.live(home, EchoCell.NAME);
            assertEquals(1, live.size());
            assertEquals(child.pid(), live.getFirst().pid());
            final Path runDir = live.getFirst().runDir();

            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home));
            final CellConnection c2 = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home));
            try
            {
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 3);
                c.call(req, 0, 16, reply);
                assertEquals(3, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));

                // One blocking call (on another thread) and one async call outstanding in a 30 s handler.
                final ExpandableArrayBuffer slow = new ExpandableArrayBuffer(64);
                EchoCell.request(slow, EchoCell.SLOW, 30_000);
                final long callsBefore = InstanceRegistry.calls(live.getFirst());
                final CompletableFuture<Long> blocking = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        c.call(slow, 0, 16, new Reply());
                        return -1L;
                    }
                    catch (final CellException.RemoteCrash ex)
                    {
                        return System.nanoTime();
                    }
                });
                await(() -> InstanceRegistry.calls(live.getFirst()) > callsBefore, "slow call dispatched");
                EchoCell.request(req, EchoCell.SLOW, 30_000);
                final CompletableFuture<Reply> async = c2.callAsync(req, 0, 16);

                final long killNs = System.nanoTime();
                child.destroyForcibly();
                final long crashNs = blocking.get(5, TimeUnit.SECONDS);
                final long blockingMs = (crashNs - killNs) / 1_000_000;
                final ExecutionException ex = assertThrows(ExecutionException.class, () -> async.get(5, TimeUnit.SECONDS));
                final long asyncMs = (System.nanoTime() - killNs) / 1_000_000;
                assertInstanceOf(CellException.RemoteCrash.class, ex.getCause());
                System.out.println("kill -9 -> RemoteCrash: blocking call " + blockingMs + " ms, async call <= " +
                    asyncMs + " ms");
                assertTrue(crashNs > 0 && blockingMs < 1_000, "blocking call saw RemoteCrash after " + blockingMs);
                assertTrue(asyncMs < 1_000, "async call saw RemoteCrash after " + asyncMs);
                assertThrows(CellException.RemoteCrash.class, () -> c.call(req, 0, 16, reply));
            }
            finally
            {
                c.close();
                c2.close();
            }
            child.waitFor(10, TimeUnit.SECONDS);
            assertTrue(InstanceRegistry.live(home, EchoCell.NAME).isEmpty(), "dead instance unregistered");
            assertFalse(Files.exists(runDir), "dead instance's run folder reclaimed");

            child = startChild(home, cellDir);
            try (CellConnection again = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 4);
                again.call(req, 0, 16, reply);
                assertEquals(4, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                assertEquals(child.pid(), InstanceRegistry.live(home, EchoCell.NAME).getFirst().pid());
            }
            // SIGTERM: graceful stop unregisters and removes the run folder.
            final Path runDir2 = InstanceRegistry.live(home, EchoCell.NAME).getFirst().runDir();
            child.destroy();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            assertFalse(Files.exists(runDir2));
            assertTrue(InstanceRegistry.live(home, EchoCell.NAME).isEmpty());
        }
        finally
        {
            if (child != null)
            {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    static Process startChild(final Path home, final Path cellDir) throws Exception
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : System.getProperty("child.jvm.flags", "").trim().split("\\s+"))
        {
            if (!flag.isEmpty())
            {
                cmd.add(flag);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(EchoServerMain.class.getName());
        cmd.add(home.toString());
        cmd.add(cellDir.toString());
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8));
        final CompletableFuture<String> ready = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    if (line.startsWith("ready "))
                    {
                        return line;
                    }
                }
                return null;
            }
            catch (final java.io.IOException ex)
            {
                return null;
            }
        });
        final String line = ready.get(30, TimeUnit.SECONDS);
        assertNotNull(line, "child exited before it was ready");
        Thread.ofPlatform().daemon(true).start(() ->
        {
            try
            {
                while (reader.readLine() != null)
                {
                    // Drain so the child never blocks on a full pipe.
                }
            }
            catch (final java.io.IOException ignore)
            {
                // Child gone.
            }
        });
        return p;
    }
}
