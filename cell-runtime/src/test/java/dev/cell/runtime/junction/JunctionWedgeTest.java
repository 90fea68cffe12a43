package dev.cell.runtime.junction;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.JunctionDescriptor;
import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.PeerTimeouts;
import dev.cell.sbe.codecs.WelcomeDecoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * No wedges: a stuck claim, a producer that died mid-write on the accept ring, a full file system and a shrunk
 * junction file each cost at most the junction concerned; the instance keeps serving the others.
 */
class JunctionWedgeTest
{
    @Test
    void stuckClaimDoesNotSpinTheInstanceAndItsJunctionIsClosed() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final long claimTimeoutMs = 4_000;
        Children.Child child = null;
        try
        {
            child = Children.start(EchoServerMain.class,
                List.of("-D" + PeerTimeouts.CLAIM_TIMEOUT_PROPERTY + "=" + claimTimeoutMs), home.toString(),
                cellDir.toString());
            final Path runDir = InstanceRegistry.live(home, EchoCell.NAME).getFirst().runDir();
            try (CellConnection other = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home));
                RawClient raw = new RawClient(runDir))
            {
                raw.hello(fingerprint());
                assertEquals(WelcomeDecoder.TEMPLATE_ID, raw.awaitTemplate());
                final Duration idleBefore = Children.cpu(child.pid());
                Thread.sleep(1_000);
                final Duration idleCpu = Children.cpu(child.pid()).minus(idleBefore);

                // Claim a record and never commit it (a client that failed or stopped between claim and commit).
                final int index = raw.junction.claim(1, 64);
                assertTrue(index >= 0);
                final long claimNs = System.nanoTime();
                final Duration before = Children.cpu(child.pid());
                Thread.sleep(2_000);
                final Duration stuckCpu = Children.cpu(child.pid()).minus(before);
                System.out.println("instance CPU: idle " + idleCpu.toMillis() + " ms in 1 s, with a stuck claim " +
                    stuckCpu.toMillis() + " ms in 2 s");
                assertTrue(stuckCpu.toMillis() < 300, "the instance spun on the stuck claim: " +
                    stuckCpu.toMillis() + " ms of CPU in 2 s");

                // The other junction is served meanwhile.
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 77);
                other.call(req, 0, 16, reply);
                assertEquals(77, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                assertFalse(raw.junction.peerClosed(), "closed before the claim timeout");

                await(() -> raw.junction.peerClosed(), "stuck junction closed by the instance");
                final long closedMs = (System.nanoTime() - claimNs) / 1_000_000L;
                System.out.println("stuck junction closed " + closedMs + " ms after the claim (timeout " +
                    claimTimeoutMs + " ms)");
                assertTrue(closedMs >= claimTimeoutMs - 200 && closedMs < claimTimeoutMs + 3_000, "closed after " +
                    closedMs + " ms");
                await(() -> !Files.exists(raw.junction.path()), "stuck junction file deleted");
                EchoCell.request(req, EchoCell.ECHO, 78);
                other.call(req, 0, 16, reply);
                assertEquals(78, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
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
    void producerThatDiedMidWriteOnTheAcceptRingDoesNotBlockNewConnections() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final MemoryLog log = new MemoryLog();
        try (CellServer server = startEcho(home, cellDir, IdleProfile.ECO, log);
            FileChannel raw = FileChannel.open(server.runDir().resolve(InstanceFile.FILE_NAME),
                StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final UnsafeBuffer ring = new UnsafeBuffer(raw.map(FileChannel.MapMode.READ_WRITE,
                InstanceFile.HEADER_LENGTH, InstanceFile.DEFAULT_ACCEPT_CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
            assertTrue(new ManyToOneRingBuffer(ring).tryClaim(InstanceFile.ACCEPT_MSG_TYPE_ID, 24) > 0,
                "claimed an announcement and 'died' before committing it");
            final long startNs = System.nanoTime();
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final long ms = (System.nanoTime() - startNs) / 1_000_000L;
                System.out.println("connected behind a dead accept claim after " + ms + " ms");
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 5);
                c.call(req, 0, 16, reply);
                assertEquals(5, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                assertTrue(ms >= PeerTimeouts.DEFAULT_CLAIM_TIMEOUT_MS - 200, "connected before the unblock: " + ms);
            }
            assertTrue(log.contains("instance.accept.unblocked"));
        }
    }

    @Test
    void fullFileSystemFailsTheConnectClearlyAndTheInstanceKeepsServing() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final String why = Tmpfs.mount(cellDir, "1m");
        Assumptions.assumeTrue(why == null, () -> "skipped: cannot mount a small tmpfs (" + why + ")");
        final String capacityBefore = System.getProperty("cell.junction.capacity");
        try (CellServer server = startEcho(home, cellDir, IdleProfile.ECO, new MemoryLog()))
        {
            // Default junctions (2 MiB) do not fit in the 1 MiB file system that holds the run folder.
            final long startNs = System.nanoTime();
            final CellException.Unavailable ex = assertThrows(CellException.Unavailable.class,
                () -> CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)).close());
            final long ms = (System.nanoTime() - startNs) / 1_000_000L;
            System.out.println("full file system, after " + ms + " ms: " + ex.getMessage());
            assertTrue(ex.getMessage().contains("no space"), ex.getMessage());
            assertTrue(ex.getMessage().contains(server.runDir().resolve("junctions").toString()), ex.getMessage());
            assertTrue(ms < 5_000, "the connect should fail at once, not retry until its timeout: " + ms + " ms");
            try (Stream<Path> left = Files.list(server.runDir().resolve("junctions")))
            {
                assertEquals(0, left.count(), "the failed junction file was removed");
            }
            // Small junctions fit: the instance still serves.
            System.setProperty("cell.junction.capacity", Integer.toString(JunctionDescriptor.MIN_CAPACITY * 16));
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 9);
                c.call(req, 0, 16, reply);
                assertEquals(9, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
        }
        finally
        {
            if (capacityBefore == null)
            {
                System.clearProperty("cell.junction.capacity");
            }
            else
            {
                System.setProperty("cell.junction.capacity", capacityBefore);
            }
            Tmpfs.unmount(cellDir);
        }
    }

    @Test
    void allocationFailureFailsTheConnectClearlyWithoutRoot() throws Exception
    {
        // The injected variant of the full disk (runs as any user): a client whose files may not exceed 1 MiB
        // (RLIMIT_FSIZE) cannot allocate a 2 MiB junction.
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "skipped: no /bin/bash for ulimit -f");
        try (CellServer server = startEcho(home, cellDir, IdleProfile.ECO, new MemoryLog()))
        {
            final Children.Child child = Children.startWithFileSizeLimit(1024, NoSpaceClientMain.class, List.of(),
                home.toString());
            try
            {
                final String line = child.readyLine();
                System.out.println("client limited to 1 MiB files: " + line);
                assertTrue(line.contains("unavailable") && line.contains("no space"), line);
                assertTrue(line.contains(server.runDir().resolve("junctions").toString()), line);
                final long ms = Long.parseLong(line.split(" ")[1]);
                assertTrue(ms < 5_000, "the connect should fail at once: " + ms + " ms");
            }
            finally
            {
                child.destroy();
            }
            try (Stream<Path> left = Files.list(server.runDir().resolve("junctions")))
            {
                assertEquals(0, left.count(), "the failed junction file was removed");
            }
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.ECHO, 10);
                c.call(req, 0, 16, reply);
                assertEquals(10, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
        }
    }

    @Test
    void shrunkJunctionFileIsClosedAndTheInstanceKeepsServing() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final MemoryLog log = new MemoryLog();
        try (CellServer server = startEcho(home, cellDir, IdleProfile.ECO, log);
            CellConnection other = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final RawClient raw = new RawClient(server.runDir());
            raw.hello(fingerprint());
            assertEquals(WelcomeDecoder.TEMPLATE_ID, raw.awaitTemplate());
            await(() -> server.connections() == 2, "two junctions open");
            try (FileChannel ch = FileChannel.open(raw.junction.path(), StandardOpenOption.WRITE))
            {
                ch.truncate(JunctionDescriptor.HEADER_LENGTH);
            }
            await(() -> server.connections() == 1, "the shrunk junction closed");
            assertTrue(log.contains("junction file shrank") || log.contains("connection.failed"));
            assertFalse(Files.exists(raw.junction.path()), "the shrunk junction was deleted");
            raw.close();
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            EchoCell.request(req, EchoCell.ECHO, 11);
            other.call(req, 0, 16, reply);
            assertEquals(11, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            assertTrue(server.isRunning());
        }
    }

    @Test
    void clientWhoseJunctionShrankFailsItsCallsCleanly() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        try (CellServer server = startEcho(home, cellDir, IdleProfile.ECO, new MemoryLog()))
        {
            final CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home));
            final Path junction;
            try (Stream<Path> files = Files.list(server.runDir().resolve("junctions")))
            {
                junction = files.findFirst().orElseThrow();
            }
            try (FileChannel ch = FileChannel.open(junction, StandardOpenOption.WRITE))
            {
                ch.truncate(JunctionDescriptor.HEADER_LENGTH);
            }
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            EchoCell.request(req, EchoCell.ECHO, 13);
            // A fault of the mapping is a closed connection for the caller, never an InternalError.
            final CellException ex = assertThrows(CellException.class, () -> c.call(req, 0, 16, new Reply()));
            System.out.println("call on a shrunk junction: " + ex);
            assertInstanceOf(CellException.Unavailable.class, ex);
            c.close();
            await(() -> server.connections() == 0, "the instance closed the shrunk junction");
            try (CellConnection again = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
            {
                final Reply reply = new Reply();
                again.call(req, 0, 16, reply);
                assertEquals(13, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
        }
    }

    @Test
    void requestBufferTooShortAbortsTheClaimAndTheJunctionStaysUsable() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        try (CellServer server = startEcho(home, cellDir, IdleProfile.ECO, new MemoryLog());
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            EchoCell.request(req, EchoCell.ECHO, 12);
            // Offset + length past the buffer: the copy into the claimed slot throws between claim and commit.
            final UnsafeBuffer shortBuffer = new UnsafeBuffer(new byte[8]);
            assertThrows(IndexOutOfBoundsException.class, () -> c.call(shortBuffer, 0, 16, new Reply()));
            final Reply reply = new Reply();
            c.call(req, 0, 16, reply);
            assertEquals(12, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            assertEquals(1, server.connections(), "the junction was not closed as stuck");
        }
    }
}
