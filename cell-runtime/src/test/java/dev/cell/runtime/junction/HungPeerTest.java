package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.PeerTimeouts;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Heartbeats are read: a stopped instance fails its clients' calls within the hung timeout, a stopped client's
 * junction is reclaimed within the client timeout, and an idle client is not.
 */
class HungPeerTest
{
    @Test
    void stoppedInstanceFailsCallsWithUnavailableWithinTheHungTimeout() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        Children.Child child = null;
        try
        {
            child = Children.start(EchoServerMain.class, List.of(), home.toString(), cellDir.toString());
            final String instanceId = child.readyLine().substring("ready ".length());
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home));
                CellConnection c2 = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 1);
                c.call(req, 0, 16, reply);
                c2.callAsync(req, 0, 16).get(10, TimeUnit.SECONDS);

                Children.signal(child.pid(), "STOP");
                final long stopNs = System.nanoTime();
                final CompletableFuture<Reply> async = c2.callAsync(req, 0, 16);
                final CellException.Unavailable ex = assertThrows(CellException.Unavailable.class,
                    () -> c.call(req, 0, 16, reply));
                final long syncMs = (System.nanoTime() - stopNs) / 1_000_000L;
                final ExecutionException asyncEx = assertThrows(ExecutionException.class,
                    () -> async.get(10, TimeUnit.SECONDS));
                final long asyncMs = (System.nanoTime() - stopNs) / 1_000_000L;
                System.out.println("SIGSTOP'd instance: blocking call failed after " + syncMs + " ms, async after " +
                    asyncMs + " ms: " + ex.getMessage());
                assertInstanceOf(CellException.Unavailable.class, asyncEx.getCause());
                assertTrue(ex.getMessage().contains("instance " + instanceId + " of cell 'echo'"), ex.getMessage());
                assertTrue(ex.getMessage().contains("hung or stopped"), ex.getMessage());
                assertTrue(syncMs < 2_500, "blocking call failed after " + syncMs + " ms");
                assertTrue(asyncMs < 2_500, "async call failed after " + asyncMs + " ms");
                assertTrue(syncMs >= 1_800, "failed before the 2 s hung timeout: " + syncMs + " ms");
                assertThrows(CellException.Unavailable.class, () -> c.call(req, 0, 16, reply), "stays closed");
            }
        }
        finally
        {
            if (child != null)
            {
                child.destroy();
            }
        }
    }

    @Test
    void stoppedClientsJunctionIsReclaimedWithinTheClientTimeout() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final long clientTimeoutMs = 1_500;
        final MemoryLog log = new MemoryLog();
        final CellServer server;
        System.setProperty(PeerTimeouts.CLIENT_TIMEOUT_PROPERTY, Long.toString(clientTimeoutMs));
        try
        {
            server = startEcho(home, cellDir, IdleProfile.ECO, log);
        }
        finally
        {
            System.clearProperty(PeerTimeouts.CLIENT_TIMEOUT_PROPERTY);
        }
        Children.Child child = null;
        try (server)
        {
            child = Children.start(ClientChildMain.class, List.of(), home.toString());
            await(() -> server.connections() == 1, "child connected");
            // Idle, but its heartbeat thread keeps beating: not reclaimed over twice the timeout.
            Thread.sleep(2 * clientTimeoutMs);
            assertEquals(1, server.connections(), "an idle client was reclaimed");
            assertFalse(log.contains("client hung"));

            Children.signal(child.pid(), "STOP");
            final long stopNs = System.nanoTime();
            await(() -> server.connections() == 0, "stopped client's junction reclaimed");
            final long ms = (System.nanoTime() - stopNs) / 1_000_000L;
            System.out.println("SIGSTOP'd client: junction reclaimed after " + ms + " ms (timeout " +
                clientTimeoutMs + " ms)");
            assertTrue(log.contains("client hung"));
            assertTrue(ms >= clientTimeoutMs - 300 && ms < clientTimeoutMs + 1_500, "reclaimed after " + ms + " ms");

            // The instance serves on.
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 3);
                c.call(req, 0, 16, reply);
                assertEquals(3, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
        }
        finally
        {
            if (child != null)
            {
                child.destroy();
            }
        }
    }
}
