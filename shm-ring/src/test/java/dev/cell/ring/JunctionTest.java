package dev.cell.ring;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class JunctionTest
{
    private static final int CAPACITY = 1 << 16;

    @Test
    void roundTripBothDirectionsAcrossMappedFile() throws Exception
    {
        final Path dir = TestDirs.newDir("roundtrip");
        final Path file = dir.resolve("a.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
            Junction server = Junction.attach(file))
        {
            assertEquals(Junction.Side.CLIENT, client.side());
            assertEquals(Junction.Side.SERVER, server.side());
            assertEquals(ProcessHandle.current().pid(), server.peerPid());
            assertEquals(ProcessHandle.current().pid(), client.peerPid());
            assertTrue(client.peerAlive());
            assertTrue(server.peerAlive());

            final UnsafeBuffer msg = new UnsafeBuffer(new byte[100]);
            for (int i = 0; i < 1000; i++)
            {
                msg.putInt(0, i);
                msg.putLong(92, -i);
                assertEquals(Junction.OK, client.send(7, msg, 0, 100));
                final int[] seen = new int[1];
                final int read = server.read((final int type, final DirectBuffer b, final int index, final int len) ->
                {
                    assertEquals(7, type);
                    assertEquals(100, len);
                    seen[0] = b.getInt(index);
                    assertEquals(-seen[0], b.getLong(index + 92));
                    assertEquals(Junction.OK, server.send(9, b, index, len));
                    return true;
                }, 10);
                assertEquals(1, read);
                assertEquals(i, seen[0]);
                assertEquals(1, client.read((final int type, final DirectBuffer b, final int index, final int len) ->
                {
                    assertEquals(9, type);
                    assertEquals(seen[0], b.getInt(index));
                    return true;
                }, 10));
            }

            final int index = client.claim(3, 16);
            assertTrue(index >= 0);
            client.outboundBuffer().putLong(index, 42L);
            client.outboundBuffer().putLong(index + 8, 43L);
            client.commit(index);
            assertTrue(server.hasInbound());
            assertEquals(1, server.read((final int type, final DirectBuffer b, final int i, final int len) ->
            {
                assertEquals(42L, b.getLong(i));
                assertEquals(43L, b.getLong(i + 8));
                return true;
            }, 10));
            assertFalse(server.hasInbound());
        }
        assertTrue(Files.exists(file));
    }

    @Test
    void fullRingIsBackPressureAndNothingIsDropped() throws Exception
    {
        final Path file = TestDirs.newDir("backpressure").resolve("b.junction");
        try (Junction client = Junction.create(file, JunctionDescriptor.MIN_CAPACITY, JunctionDescriptor.MIN_CAPACITY);
            Junction server = Junction.attach(file))
        {
            final UnsafeBuffer msg = new UnsafeBuffer(new byte[100]);
            int sent = 0;
            int status;
            msg.putInt(0, sent);
            while ((status = client.send(1, msg, 0, 100)) == Junction.OK)
            {
                sent++;
                msg.putInt(0, sent);
            }
            assertEquals(Junction.BACK_PRESSURED, status);
            assertTrue(sent > 10);
            final List<Integer> received = new ArrayList<>();
            while (received.size() < sent)
            {
                final int read = server.read((final int type, final DirectBuffer b, final int i, final int len) ->
                {
                    received.add(b.getInt(i));
                    return true;
                }, 1000);
                assertTrue(read > 0);
            }
            for (int i = 0; i < sent; i++)
            {
                assertEquals(i, received.get(i));
            }
            assertEquals(Junction.OK, client.send(1, msg, 0, 100), "space again after the reader drained");
            assertEquals(Junction.TOO_LARGE,
                client.send(1, new UnsafeBuffer(new byte[client.maxMessageLength() + 1]), 0,
                client.maxMessageLength() + 1));
            assertEquals(Junction.TOO_LARGE, client.claim(1, client.maxMessageLength() + 1));
        }
    }

    @Test
    void closedPeerIsReported() throws Exception
    {
        final Path file = TestDirs.newDir("closed").resolve("c.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
            Junction server = Junction.attach(file))
        {
            server.close();
            assertTrue(client.peerClosed());
            assertEquals(Junction.CLOSED, client.send(1, new UnsafeBuffer(new byte[8]), 0, 8));
            assertEquals(Junction.CLOSED, client.claim(1, 8));
        }
    }

    @Test
    void versionMismatchIsRefusedWithClearMessage() throws Exception
    {
        final Path file = TestDirs.newDir("version").resolve("v.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY))
        {
            poke(file, JunctionDescriptor.VERSION_OFFSET, 99);
            final LayoutException ex = assertThrows(LayoutException.class, () -> Junction.attach(file));
            assertTrue(ex.getMessage().contains("layout version 99"), ex.getMessage());
            assertTrue(ex.getMessage().contains("supports version " + JunctionDescriptor.LAYOUT_VERSION),
                ex.getMessage());
        }
    }

    @Test
    void badMagicSizeOrSecondServerAreRefused() throws Exception
    {
        final Path dir = TestDirs.newDir("magic");
        final Path garbage = dir.resolve("g.junction");
        Files.write(garbage, new byte[8192]);
        assertTrue(assertThrows(LayoutException.class, () -> Junction.attach(garbage))
            .getMessage().contains("not a Cell junction"));

        final Path small = dir.resolve("s.junction");
        Files.write(small, new byte[10]);
        assertThrows(LayoutException.class, () -> Junction.attach(small));

        final Path file = dir.resolve("x.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
            Junction server = Junction.attach(file))
        {
            assertTrue(assertThrows(LayoutException.class, () -> Junction.attach(file))
                .getMessage().contains("already attached"));
        }

        final Path capacity = dir.resolve("c.junction");
        try (Junction client = Junction.create(capacity, CAPACITY, CAPACITY))
        {
            poke(capacity, JunctionDescriptor.TO_SERVER_CAPACITY_OFFSET, 12345);
            assertTrue(assertThrows(LayoutException.class, () -> Junction.attach(capacity))
                .getMessage().contains("power of two"));
        }
    }

    @Test
    void instanceFileAcceptRingAndCalls() throws Exception
    {
        final Path dir = TestDirs.newDir("instance");
        try (InstanceFile server = InstanceFile.create(dir, 0xABCDL, InstanceFile.DEFAULT_ACCEPT_CAPACITY);
            InstanceFile client = InstanceFile.open(dir.resolve(InstanceFile.FILE_NAME)))
        {
            assertFalse(client.post("early.junction"), "not serving yet");
            server.state(InstanceFile.STATE_SERVING);
            assertTrue(client.post("1-1.junction"));
            assertTrue(client.post("1-2.junction"));
            assertTrue(server.hasAccepts());
            final List<String> names = new ArrayList<>();
            assertEquals(2, server.pollAccepts(names::add, 10));
            assertEquals(List.of("1-1.junction", "1-2.junction"), names);
            assertEquals(0xABCDL, client.fingerprint());
            assertTrue(client.ownerAlive());
            server.incrementCalls();
            server.incrementCalls();
            assertEquals(2, client.calls());
            assertEquals(2, InstanceFile.readCalls(dir.resolve(InstanceFile.FILE_NAME)));
            server.incrementErrors();
            assertEquals(1, InstanceFile.readErrors(dir.resolve(InstanceFile.FILE_NAME)));
            assertEquals(2, InstanceFile.readCalls(dir.resolve(InstanceFile.FILE_NAME)), "errors count apart");
        }
        assertEquals(-1, InstanceFile.readCalls(dir.resolve("missing.dat")));
        poke(dir.resolve(InstanceFile.FILE_NAME), InstanceFile.VERSION_OFFSET, 7);
        final LayoutException ex =
            assertThrows(LayoutException.class, () -> InstanceFile.open(dir.resolve(InstanceFile.FILE_NAME)));
        assertTrue(ex.getMessage().contains("instance layout version 7"), ex.getMessage());
    }

    static void poke(final Path file, final int offset, final int value) throws Exception
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            final ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, value);
            channel.write(b, offset);
        }
    }
}
