package dev.cell.runtime.transport.axon;

import dev.cell.ring.Junction;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.transport.FrameListener;
import dev.cell.runtime.transport.ServerEnd;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What someone on the path between caller and instance could do with an axon session's bytes: replay or reorder
 * sealed frames, flip a byte, replay a whole recorded handshake, or send a handshake message into an open session.
 * Each is refused and ends the session, on real Aeron UDP over loopback. The instance side is driven by a thread that
 * plays the serving thread: it polls the listener and reads every session.
 */
class AxonTamperTest
{
    private static final long TIMEOUT_NS = 10_000_000_000L;

    private AxonListener listener;
    private Thread server;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<ServerEnd> sessions = new CopyOnWriteArrayList<>();
    private final List<String> frames = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<ServerEnd, String> broken = new ConcurrentHashMap<>();
    private final List<AxonClientEnd> clients = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() throws Exception
    {
        final Path dir = Files.createTempDirectory("axon-tamper");
        listener = new AxonListener("127.0.0.1:0", Identity.loadOrCreate(dir.resolve("server.key")), Set.of(),
            false);
        final FrameListener collect = new FrameListener()
        {
            @Override
            public boolean onFrame(final DirectBuffer buffer, final int offset, final int length)
            {
                frames.add(buffer.getStringWithoutLengthAscii(offset, length));
                return true;
            }

            @Override
            public boolean onBadRecord(final String problem)
            {
                return false;
            }
        };
        server = Thread.ofPlatform().daemon(true).start(() ->
        {
            while (running.get())
            {
                listener.poll(sessions::add, System.nanoTime());
                for (final ServerEnd end : sessions)
                {
                    if (!broken.containsKey(end) && end.read(collect, 16) == Junction.CORRUPT)
                    {
                        broken.put(end, end.corruption());
                    }
                }
                Thread.onSpinWait();
            }
        });
    }

    @AfterEach
    void close() throws Exception
    {
        running.set(false);
        server.join(5_000);
        clients.forEach(AxonClientEnd::close);
        sessions.forEach(ServerEnd::closeAndDelete);
        listener.close();
    }

    private AxonClientEnd connect() throws Exception
    {
        final Path dir = Files.createTempDirectory("axon-client");
        final AxonClientEnd end = AxonClientEnd.open(listener.endpoint(), "127.0.0.1",
            Identity.loadOrCreate(dir.resolve("client.key")), listener.identity(), null, false,
            System.nanoTime() + TIMEOUT_NS);
        clients.add(end);
        return end;
    }

    private static UnsafeBuffer text(final String s)
    {
        return new UnsafeBuffer(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static void await(final BooleanSupplier condition, final String what)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    private static void offer(final io.aeron.ExclusivePublication publication, final byte[] message)
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        while (publication.offer(new UnsafeBuffer(message)) < 0)
        {
            assertTrue(System.nanoTime() - deadline < 0, "could not be sent");
            Thread.onSpinWait();
        }
    }

    private static void awaitRefused(final AxonClientEnd c)
    {
        final FrameListener ignore = new FrameListener()
        {
            @Override
            public boolean onFrame(final DirectBuffer buffer, final int offset, final int length)
            {
                return true;
            }

            @Override
            public boolean onBadRecord(final String problem)
            {
                return true;
            }
        };
        await(() -> c.read(ignore, 8) == Junction.CORRUPT, "the caller's end to be told and close");
        assertNotNull(c.refusal(), "the instance said why");
    }

    private String onlyBreak()
    {
        await(() -> !broken.isEmpty(), "the instance to refuse the session");
        return broken.values().iterator().next();
    }

    @Test
    void sealedFramesArriveInOrder() throws Exception
    {
        final AxonClientEnd c = connect();
        assertEquals(Junction.OK, c.send(text("one"), 0, 3));
        assertEquals(Junction.OK, c.send(text("two"), 0, 3));
        await(() -> frames.size() == 2, "both frames");
        assertEquals(List.of("one", "two"), frames);
        assertTrue(broken.isEmpty());
    }

    @Test
    void aReplayedDataFrameIsRefused() throws Exception
    {
        final AxonClientEnd c = connect();
        final byte[] sealed = c.sealForTest(text("pay 100"), 0, 7);
        assertTrue(c.offerRawForTest(sealed) > 0);
        assertTrue(c.offerRawForTest(sealed) > 0);
        final String why = onlyBreak();
        assertTrue(why.contains("does not authenticate"), why);
        assertEquals(List.of("pay 100"), frames, "the original arrived once, the replay never");
        awaitRefused(c);
    }

    @Test
    void reorderedDataFramesAreRefused() throws Exception
    {
        final AxonClientEnd c = connect();
        final byte[] first = c.sealForTest(text("first"), 0, 5);
        final byte[] second = c.sealForTest(text("second"), 0, 6);
        assertTrue(c.offerRawForTest(second) > 0);
        assertTrue(c.offerRawForTest(first) > 0);
        assertTrue(onlyBreak().contains("does not authenticate"));
        assertTrue(frames.isEmpty(), "neither frame was taken");
    }

    @Test
    void oneFlippedByteIsRefusedAndEndsTheSession() throws Exception
    {
        final AxonClientEnd c = connect();
        final byte[] sealed = c.sealForTest(text("transfer"), 0, 8);
        sealed[3] ^= 0x01;
        assertTrue(c.offerRawForTest(sealed) > 0);
        assertTrue(onlyBreak().contains("does not authenticate"));
        assertTrue(frames.isEmpty());
        awaitRefused(c);
        assertEquals(Junction.CLOSED, c.send(text("more"), 0, 4), "nothing more can be sent");
    }

    @Test
    void aReplayedHandshakeIsRefused() throws Exception
    {
        final AxonClientEnd recorded = connect();
        final List<byte[]> handshake = List.copyOf(recorded.handshakeSentForTest());
        assertEquals(2, handshake.size(), "HELLO and FINISH were recorded");
        await(() -> sessions.size() == 1, "the first session");

        // A new Aeron session (another publication) that replays the recorded HELLO and FINISH byte for byte.
        try (var replay = listener.media().aeron().addExclusivePublication(
            AxonWire.channel(listener.endpoint()), AxonWire.STREAM_ID))
        {
            offer(replay, handshake.get(0));
            // As a real replayer would: FINISH only once the instance answered the HELLO with a fresh ephemeral key.
            await(() -> sessions.size() == 2 && ((AxonServerEnd)sessions.get(1)).acceptOfferedForTest(),
                "the instance to answer the replayed HELLO");
            offer(replay, handshake.get(1));
            final String why = onlyBreak();
            assertTrue(why.contains("does not authenticate"), why);
            assertEquals(2, sessions.size());
            assertNotNull(sessions.get(1).corruption());
            assertEquals(null, sessions.get(1).remoteIdentity(), "the replayer was never taken for the caller");
        }
    }

    @Test
    void aHandshakeMessageInsideAnOpenSessionIsRefused() throws Exception
    {
        final AxonClientEnd c = connect();
        assertTrue(c.offerRawForTest(c.handshakeSentForTest().getFirst()) > 0);
        final String why = onlyBreak();
        assertTrue(why.contains("after the handshake"), why);
    }

    @Test
    void anImageWhoseSenderChoseAnotherTermLengthIsNeverPolled() throws Exception
    {
        // 64 MiB terms would let one message be 8 MiB, assembled before any check: no session is made of it.
        try (var big = listener.media().aeron().addExclusivePublication(
            "aeron:udp?endpoint=" + listener.endpoint() + "|term-length=67108864", AxonWire.STREAM_ID))
        {
            await(() -> listener.refusedImages() == 1, "the instance to see the image and leave it unread");
            assertEquals(0, sessions.size());
            final AxonClientEnd c = connect();
            assertEquals(Junction.OK, c.send(text("still served"), 0, 12));
            await(() -> frames.contains("still served"), "a caller with our term length to be served");
        }
    }

    @Test
    void aReplyEndpointIsHostColonPortOfOneTo65535()
    {
        for (final String ok : new String[]{"10.0.0.2:7400", "host-b:1", "[::1]:65535"})
        {
            assertTrue(AxonWire.validReply(ok), ok);
        }
        for (final String bad : new String[]{"1.2.3.4:abc", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", ":7400",
            "1.2.3.4:123456", "1.2.3.4", "a b:1", ""})
        {
            assertFalse(AxonWire.validReply(bad), bad);
        }
    }
}
