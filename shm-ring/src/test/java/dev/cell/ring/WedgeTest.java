package dev.cell.ring;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A peer that claims and never commits, dies mid-write on the accept ring, truncates its file, or a disk that is
 * full: none of them wedges or faults the other side.
 */
class WedgeTest
{
    private static final int CAPACITY = 1 << 16;
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);

    @Test
    void claimNeverCommittedIsNotWorkAndIsReportedStalled() throws Exception
    {
        final Path file = TestDirs.newDir("stuck").resolve("s.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
            Junction server = Junction.attach(file))
        {
            final int index = client.claim(5, 64);
            assertTrue(index >= 0);
            // Claimed, not committed: the reader has nothing to do, so its idle strategy may sleep.
            assertFalse(server.hasInbound(), "a pending claim must not count as work");
            assertEquals(0, server.read((final int t, final DirectBuffer b, final int i, final int l) -> true, 10));
            final long t0 = System.nanoTime();
            assertEquals(0, server.inboundStalledNs(t0), "first sighting starts the clock");
            assertEquals(2 * SECOND_NS, server.inboundStalledNs(t0 + 2 * SECOND_NS));
            client.commit(index);
            assertTrue(server.hasInbound());
            assertEquals(0, server.inboundStalledNs(t0 + 3 * SECOND_NS), "committed: no longer stalled");
            assertEquals(1, server.read((final int t, final DirectBuffer b, final int i, final int l) -> true, 10));
            assertEquals(0, server.inboundStalledNs(t0 + 4 * SECOND_NS), "empty ring is not stalled");
        }
    }

    @Test
    void acceptRingIsUnblockedAfterAProducerDiedMidWrite() throws Exception
    {
        final Path dir = TestDirs.newDir("accept");
        try (InstanceFile instance = InstanceFile.create(dir, 42L, CAPACITY);
            InstanceFile client = InstanceFile.open(dir.resolve(InstanceFile.FILE_NAME));
            FileChannel raw = FileChannel.open(dir.resolve(InstanceFile.FILE_NAME),
                StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            instance.state(InstanceFile.STATE_SERVING);
            // A producer that claimed a record and died before committing it.
            final UnsafeBuffer ring = new UnsafeBuffer(raw.map(FileChannel.MapMode.READ_WRITE,
                InstanceFile.HEADER_LENGTH, CAPACITY + RingBufferDescriptor.TRAILER_LENGTH));
            final int claimed = new ManyToOneRingBuffer(ring).tryClaim(InstanceFile.ACCEPT_MSG_TYPE_ID, 20);
            assertTrue(claimed > 0);
            assertTrue(client.post("1-2.junction"), "later producers can still write");

            final List<String> names = new ArrayList<>();
            assertEquals(0, instance.pollAccepts(names::add, 8), "blocked behind the dead claim");
            assertFalse(instance.hasAccepts(), "a dead claim is not work");
            final long t0 = System.nanoTime();
            assertFalse(instance.unblockStalledAccept(t0, SECOND_NS), "first sighting");
            assertFalse(instance.unblockStalledAccept(t0 + SECOND_NS / 2, SECOND_NS), "not stalled long enough");
            assertTrue(instance.unblockStalledAccept(t0 + 2 * SECOND_NS, SECOND_NS));
            assertEquals(1, instance.pollAccepts(names::add, 8));
            assertEquals(List.of("1-2.junction"), names);
            assertFalse(instance.unblockStalledAccept(t0 + 3 * SECOND_NS, SECOND_NS), "nothing stalled any more");
        }
    }

    @Test
    void shrunkFileIsDetectedAndClosingDoesNotTouchIt() throws Exception
    {
        final Path file = TestDirs.newDir("shrunk").resolve("t.junction");
        final Junction client = Junction.create(file, CAPACITY, CAPACITY);
        final Junction server = Junction.attach(file);
        try
        {
            assertTrue(server.fileIntact());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE))
            {
                ch.truncate(JunctionDescriptor.HEADER_LENGTH);
            }
            assertFalse(server.fileIntact(), "a file shorter than its mapping is not intact");
            assertFalse(client.fileIntact());
            // Probing the ring past the new end faults inside the JVM; it is reported, never a crash.
            assertTrue(server.hasInbound(), "a fault reads as work so the next read closes the junction");
        }
        finally
        {
            server.close();
            client.closeAndDelete();
        }
        assertTrue(server.isClosed());
        assertFalse(Files.exists(file));
    }

    @Test
    void ringFilesAreCreatedOwnerOnlyAndFullyAllocated() throws Exception
    {
        final Path dir = PrivateFiles.createDirectories(TestDirs.newDir("perm").resolve("run").resolve("junctions"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent())));
        final Path file = dir.resolve("p.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
            InstanceFile instance = InstanceFile.create(dir.getParent(), 1L, CAPACITY))
        {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(instance.path())));
            assertEquals(JunctionDescriptor.fileLength(CAPACITY, CAPACITY), Files.size(file));
        }
    }

    @Test
    void fullFileSystemFailsTheCreateWithAClearError() throws Exception
    {
        final Path mount = TestDirs.newDir("full").toAbsolutePath();
        final String why = Tmpfs.mount(mount, "1m");
        Assumptions.assumeTrue(why == null, () -> "skipped: cannot mount a small tmpfs (" + why + ")");
        try
        {
            final Path file = mount.resolve("big.junction");
            final IOException ex = assertThrows(IOException.class,
                () -> Junction.create(file, 1 << 20, 1 << 20));
            System.out.println("full file system: " + ex.getMessage());
            assertTrue(ex.getMessage().contains("no space"), ex.getMessage());
            assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
            assertFalse(Files.exists(file), "a failed create leaves no file behind");
            // Small enough to fit: still works on the same file system.
            try (Junction small = Junction.create(mount.resolve("small.junction"), CAPACITY, CAPACITY);
                Junction server = Junction.attach(mount.resolve("small.junction")))
            {
                assertEquals(Junction.OK, small.send(1, new UnsafeBuffer(new byte[8]), 0, 8));
                assertEquals(1, server.read((final int t, final DirectBuffer b, final int i, final int l) -> true, 1));
            }
        }
        finally
        {
            Tmpfs.unmount(mount);
        }
    }
}
