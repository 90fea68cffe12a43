package dev.cell.runtime.junction;

import dev.cell.ring.InstanceFile;
import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellServer;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class DataPlaneTest
{
    @Test
    void roundTripAsyncGenomeRegistryAndGracefulStop() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final MemoryLog log = new MemoryLog();
        final CellServer server = startEcho(home, cellDir, IdleProfile.ECO, log);
        final Path runDir = server.runDir();
        try
        {
            assertTrue(Files.exists(runDir.resolve("instance.dat")));
            final List<InstanceRecord> live = InstanceRegistry.live(home);
            assertEquals(1, live.size());
            assertEquals(server.instanceId(), live.getFirst().instanceId());
            assertEquals(EchoCell.FINGERPRINT, live.getFirst().fingerprint());
            assertEquals("eco", live.getFirst().latency());

            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                assertEquals(server.instanceId(), c.instanceId());
                assertEquals(fingerprint(), c.remoteFingerprint());
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                for (int i = 0; i < 2_000; i++)
                {
                    final int len = EchoCell.request(req, EchoCell.ECHO, i);
                    c.call(req, 0, len, reply);
                    assertFalse(reply.isError());
                    assertEquals(EchoCell.ECHO_REPLY, reply.templateId());
                    assertEquals(i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                }
                EchoCell.request(req, EchoCell.FAIL, 0);
                c.call(req, 0, 16, reply);
                assertTrue(reply.isError());
                assertEquals(EchoCell.ERROR_REPLY, reply.templateId());

                final List<CompletableFuture<Reply>> futures = new ArrayList<>();
                for (int i = 0; i < 200; i++)
                {
                    EchoCell.request(req, EchoCell.ECHO, 10_000 + i);
                    futures.add(c.callAsync(req, 0, 16));
                }
                // A blocking call in between: its reply and the async ones are told apart by correlation id.
                EchoCell.request(req, EchoCell.ECHO, 77);
                c.call(req, 0, 16, reply);
                assertEquals(77, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                for (int i = 0; i < futures.size(); i++)
                {
                    final Reply r = futures.get(i).get(10, TimeUnit.SECONDS);
                    assertEquals(10_000 + i, r.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                }

                final Genome genome = c.genome();
                assertEquals(EchoCell.genome(), genome);
                assertTrue(InstanceRegistry.calls(live.getFirst()) >= 2_202);
                assertEquals(1, server.connections());
            }
            await(() -> server.connections() == 0, "server noticed the goodbye");
            assertTrue(log.contains("\"connection.opened\""));
            assertTrue(log.contains("\"connection.closed\""));
        }
        finally
        {
            server.close();
        }
        assertFalse(Files.exists(runDir), "run folder deleted on stop");
        assertTrue(InstanceRegistry.live(home).isEmpty(), "unregistered on stop");
        assertTrue(log.contains("\"instance.stopped\""));
    }

    @Test
    void stoppingInstanceFailsOutstandingCallsWithUnavailable() throws Exception
    {
        final Path home = newDir("home");
        final CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new MemoryLog());
        try (CellConnection c = CellConnection.connect(EchoCell.NAME, 0, client(home)))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            EchoCell.request(req, EchoCell.SLOW, 300);
            final CompletableFuture<Reply> slow = c.callAsync(req, 0, 16);
            EchoCell.request(req, EchoCell.ECHO, 1);
            final CompletableFuture<Reply> queued = c.callAsync(req, 0, 16);
            await(() -> server.calls() == 1, "slow handler running");
            server.close();
            slow.get(5, TimeUnit.SECONDS);
            final ExecutionException ex = assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS));
            assertInstanceOf(CellException.Unavailable.class, ex.getCause());
            assertThrows(CellException.Unavailable.class, () -> c.call(req, 0, 16, new Reply()));
        }
        finally
        {
            server.close();
        }
        final CellException.Unavailable none = assertThrows(CellException.Unavailable.class,
            () -> CellConnection.connect(EchoCell.NAME, 0, client(home).withConnectTimeout(Duration.ofMillis(200))));
        assertTrue(none.getMessage().contains("no live instance of cell 'echo'"), none.getMessage());
    }

    @Test
    void schemaMismatchNamesBothFingerprints() throws Exception
    {
        final Path home = newDir("home");
        final MemoryLog log = new MemoryLog();
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, log))
        {
            final CellException.SchemaMismatch ex = assertThrows(CellException.SchemaMismatch.class,
                () -> CellConnection.connect(EchoCell.NAME, 0xbbL, client(home)));
            assertEquals("00000000000000bb", ex.expectedFingerprint());
            assertEquals(EchoCell.FINGERPRINT, ex.actualFingerprint());
            assertTrue(ex.getMessage().contains("00000000000000bb"), ex.getMessage());
            assertTrue(ex.getMessage().contains(EchoCell.FINGERPRINT), ex.getMessage());
            assertTrue(ex.getMessage().contains("Rebuild the client"), ex.getMessage());
            assertTrue(log.contains("SCHEMA_MISMATCH"));
            await(() -> server.connections() == 0, "rejected junction closed");
            // Fingerprint 0 (generic client) is welcomed.
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, 0, client(home)))
            {
                assertEquals(fingerprint(), c.remoteFingerprint());
            }
        }
    }

    @Test
    void unknownHandlerAndHandlerFailureKeepServing() throws Exception
    {
        final Path home = newDir("home");
        final MemoryLog log = new MemoryLog();
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.SPIN, log);
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), spin(client(home))))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            final Path instanceFile = server.runDir().resolve(InstanceFile.FILE_NAME);
            assertEquals(0, InstanceFile.readErrors(instanceFile));
            EchoCell.request(req, 99, 0);
            final CellException.Rejected unknown =
                assertThrows(CellException.Rejected.class, () -> c.call(req, 0, 16, reply));
            assertTrue(unknown.getMessage().contains("no handler for template id 99"), unknown.getMessage());

            EchoCell.request(req, EchoCell.BOOM, 0);
            final CellException.HandlerFailed failed =
                assertThrows(CellException.HandlerFailed.class, () -> c.call(req, 0, 16, reply));
            assertTrue(failed.getMessage().contains("java.lang.IllegalStateException"), failed.getMessage());
            assertTrue(failed.getMessage().contains("boom: the handler broke"), failed.getMessage());
            assertTrue(log.contains("handler.failed"));
            assertEquals(2, InstanceFile.readErrors(instanceFile), "the unknown handler and the failed one");

            EchoCell.request(req, EchoCell.ECHO, 5);
            c.call(req, 0, 16, reply);
            assertEquals(5, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            assertEquals(2, InstanceFile.readErrors(instanceFile), "a good call is no error");

            EchoCell.request(req, EchoCell.BIG, 0);
            req.putInt(8, 1 << 20, ByteOrder.LITTLE_ENDIAN);
            final CellException.HandlerFailed big =
                assertThrows(CellException.HandlerFailed.class, () -> c.call(req, 0, 16, reply));
            assertTrue(big.getMessage().contains("exceeds"), big.getMessage());
            assertEquals(3, InstanceFile.readErrors(instanceFile), "a reply too large to send");
            EchoCell.request(req, EchoCell.BIG, 0);
            req.putInt(8, 100_000, ByteOrder.LITTLE_ENDIAN);
            c.call(req, 0, 16, reply);
            assertEquals(100_008, reply.length());

            final ExpandableArrayBuffer huge = new ExpandableArrayBuffer(1 << 20);
            EchoCell.request(huge, EchoCell.ECHO, 0);
            assertThrows(CellException.Rejected.class, () -> c.call(huge, 0, 1 << 19, reply));
            EchoCell.request(req, EchoCell.ECHO, 6);
            c.call(req, 0, 16, reply);
            assertEquals(6, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            assertEquals(1, server.connections());
        }
    }

    @Test
    void deadlineOnTheClientAndOnTheInstance() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new MemoryLog());
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(),
                client(home).withCallTimeout(Duration.ofMillis(200))))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            EchoCell.request(req, EchoCell.SLOW, 600);
            final long startNs = System.nanoTime();
            assertThrows(CellException.DeadlineExceeded.class, () -> c.call(req, 0, 16, reply));
            final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
            assertTrue(tookMs >= 190 && tookMs < 1_000, "took " + tookMs + " ms");
            // Queued behind the slow handler, this request's deadline passes before dispatch: the instance answers
            // DEADLINE_EXCEEDED (or the client gives up first); either way the caller sees DeadlineExceeded.
            EchoCell.request(req, EchoCell.ECHO, 1);
            final CompletableFuture<Reply> late = c.callAsync(req, 0, 16);
            final ExecutionException ex = assertThrows(ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS));
            assertInstanceOf(CellException.DeadlineExceeded.class, ex.getCause());
            // The slow call's late reply is dropped, the connection keeps working once the handler is done.
            EchoCell.request(req, EchoCell.ECHO, 2);
            boolean answered = false;
            for (int attempt = 0; attempt < 20 && !answered; attempt++)
            {
                try
                {
                    c.call(req, 0, 16, reply);
                    answered = true;
                }
                catch (final CellException.DeadlineExceeded retry)
                {
                    assertTrue(server.isRunning());
                }
            }
            assertTrue(answered);
            assertEquals(2, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
        }
    }

    @Test
    void fullRingIsBackPressure() throws Exception
    {
        final Path home = newDir("home");
        final String previous = System.getProperty("cell.junction.capacity");
        System.setProperty("cell.junction.capacity", "4096");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new MemoryLog());
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(512);
            EchoCell.request(req, EchoCell.SLOW, 500);
            final CompletableFuture<Reply> slow = c.callAsync(req, 0, 16);
            await(() -> server.calls() == 1, "slow handler running");
            final List<CompletableFuture<Reply>> queued = new ArrayList<>();
            CellException.BackPressure backPressure = null;
            for (int i = 0; i < 100 && backPressure == null; i++)
            {
                EchoCell.request(req, EchoCell.ECHO, i);
                final CompletableFuture<Reply> f = c.callAsync(req, 0, 400);
                if (f.isCompletedExceptionally())
                {
                    final ExecutionException ex = assertThrows(ExecutionException.class, f::get);
                    backPressure = assertInstanceOf(CellException.BackPressure.class, ex.getCause());
                }
                else
                {
                    queued.add(f);
                }
            }
            assertNotNull(backPressure, "a 4 KiB ring must fill up");
            assertTrue(backPressure.getMessage().contains("not keeping up"), backPressure.getMessage());
            final Reply reply = new Reply();
            assertThrows(CellException.BackPressure.class, () -> c.call(req, 0, 400, reply));
            slow.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < queued.size(); i++)
            {
                assertEquals(i, queued.get(i).get(10, TimeUnit.SECONDS).buffer().getLong(8, ByteOrder.LITTLE_ENDIAN),
                    "nothing dropped, in order");
            }
            EchoCell.request(req, EchoCell.ECHO, 9);
            c.call(req, 0, 16, reply);
            assertEquals(9, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
        }
        finally
        {
            if (previous == null)
            {
                System.clearProperty("cell.junction.capacity");
            }
            else
            {
                System.setProperty("cell.junction.capacity", previous);
            }
        }
    }
}
