package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureEncoder;
import dev.cell.sbe.codecs.GenomeResponseEncoder;
import dev.cell.sbe.codecs.GoodbyeEncoder;
import dev.cell.sbe.codecs.HelloDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.Outcome;
import dev.cell.sbe.codecs.RejectCode;
import dev.cell.sbe.codecs.RejectEncoder;
import dev.cell.sbe.codecs.RequestDecoder;
import dev.cell.sbe.codecs.ResponseEncoder;
import dev.cell.sbe.codecs.GenomeRequestDecoder;
import dev.cell.sbe.codecs.WelcomeEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile "instance" ({@link RawServer}) answers a real client with frames whose lengths lie: the client refuses
 * each before decoding it, with {@code Rejected} ("instance X sent a malformed frame: …") within the call's timeout,
 * allocates nothing near what the frame claims, and an honest instance stays callable from the same JVM.
 */
final class HostileInstanceTest
{
    private static final int LIE = 0x7FFFFFFF;
    private static final long TIMEOUT_MS = 5_000;
    private static final long MAX_ALLOCATED = 16L << 20;

    private static Path honestHome;
    private static CellServer honest;

    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void startHonest() throws Exception
    {
        honestHome = TestSupport.newDir("honest-home");
        honest = TestSupport.startEcho(honestHome, TestSupport.newDir("honest-cell"), IdleProfile.ECO,
            new TestSupport.MemoryLog());
    }

    @AfterAll
    static void stopHonest()
    {
        honest.close();
    }

    @AfterEach
    void closeAll() throws Exception
    {
        for (final AutoCloseable c : open.reversed())
        {
            c.close();
        }
    }

    @Test
    void failureWhoseDetailLengthLiesFailsTheCallAndClosesTheConnection() throws Exception
    {
        final Path home = hostile("lying-failure", answer(RequestDecoder.TEMPLATE_ID, (b, frame) ->
        {
            final FailureEncoder f = new FailureEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .correlationId(RawServer.correlationId(frame)).code(FailureCode.HANDLER_FAILED).detail("short");
            lieAt(b, Protocol.HEADER_LENGTH + FailureEncoder.BLOCK_LENGTH);
            return Protocol.HEADER_LENGTH + f.encodedLength();
        }));
        try (CellConnection c = connect(home))
        {
            final CellException.Rejected ex = refusedWithin(() -> call(c));
            assertMalformed(ex, "'Failure'", "'detail'", "2147483647");
            // Nothing more from that instance is trusted: the next call fails at once, with the same cause.
            final CellException.Rejected again = assertThrows(CellException.Rejected.class, () -> call(c));
            assertEquals(ex.getMessage(), again.getMessage());
        }
        try (CellConnection c = connect(home))
        {
            // The same lie to a pipelined call, read by the receiver thread.
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final CompletableFuture<Reply> f = c.callAsync(req, 0, EchoCell.request(req, EchoCell.ECHO, 7));
            final ExecutionException ex = assertThrows(ExecutionException.class,
                () -> f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            assertMalformed(assertInstanceOf(CellException.Rejected.class, ex.getCause()), "'detail'");
        }
        assertHonestInstanceAnswers();
    }

    @Test
    void genomeResponseWhoseLengthLiesIsRefused() throws Exception
    {
        final Path home = hostile("lying-genome", answer(GenomeRequestDecoder.TEMPLATE_ID, (b, frame) ->
        {
            final GenomeResponseEncoder g = new GenomeResponseEncoder()
                .wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .correlationId(RawServer.correlationId(frame)).fingerprint(TestSupport.fingerprint()).genome("{}");
            lieAt(b, Protocol.HEADER_LENGTH + GenomeResponseEncoder.BLOCK_LENGTH);
            return Protocol.HEADER_LENGTH + g.encodedLength();
        }));
        try (CellConnection c = connect(home))
        {
            assertMalformed(refusedWithin(c::genome), "'GenomeResponse'", "'genome'");
        }
        assertHonestInstanceAnswers();
    }

    @Test
    void truncatedWelcomeOrLyingRejectFailsTheConnect() throws Exception
    {
        final Path truncated = hostile("truncated-welcome", answer(HelloDecoder.TEMPLATE_ID, (b, frame) ->
        {
            final WelcomeEncoder w = new WelcomeEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .serverPid(ProcessHandle.current().pid()).fingerprint(TestSupport.fingerprint())
                .maxMessageLength(1 << 16).instance("truncated-welcome-instance");
            // The instance id's length says 26 bytes; the frame stops 10 bytes into them.
            return Protocol.HEADER_LENGTH + w.encodedLength() - 16;
        }), false);
        assertMalformed(refusedWithin(() -> connect(truncated)), "'Welcome'", "'instance'");

        final Path lyingReject = hostile("lying-reject", answer(HelloDecoder.TEMPLATE_ID, (b, frame) ->
        {
            final RejectEncoder r = new RejectEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .code(RejectCode.WRONG_CELL).fingerprint(TestSupport.fingerprint()).reason("no");
            lieAt(b, Protocol.HEADER_LENGTH + RejectEncoder.BLOCK_LENGTH);
            return Protocol.HEADER_LENGTH + r.encodedLength();
        }), false);
        assertMalformed(refusedWithin(() -> connect(lyingReject)), "'Reject'", "'reason'");
        assertHonestInstanceAnswers();
    }

    @Test
    void responseEnvelopeOrGoodbyeThatLiesClosesTheConnection() throws Exception
    {
        final Path lyingBlock = hostile("lying-response", answer(RequestDecoder.TEMPLATE_ID, (b, frame) ->
        {
            final ResponseEncoder r = new ResponseEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .correlationId(RawServer.correlationId(frame)).outcome(Outcome.OK);
            // Block length 65535 in a 17-byte frame.
            b.putShort(0, (short)0xFFFF, ByteOrder.LITTLE_ENDIAN);
            return Protocol.HEADER_LENGTH + r.encodedLength();
        }));
        try (CellConnection c = connect(lyingBlock))
        {
            assertMalformed(refusedWithin(() -> call(c)), "'Response'", "block length 65535");
        }
        final Path lyingGoodbye = hostile("lying-goodbye", answer(RequestDecoder.TEMPLATE_ID, (b, frame) ->
        {
            final GoodbyeEncoder g = new GoodbyeEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .reason("stopping");
            lieAt(b, Protocol.HEADER_LENGTH + GoodbyeEncoder.BLOCK_LENGTH);
            return Protocol.HEADER_LENGTH + g.encodedLength();
        }));
        try (CellConnection c = connect(lyingGoodbye))
        {
            assertMalformed(refusedWithin(() -> call(c)), "'Goodbye'", "'reason'");
        }
        assertHonestInstanceAnswers();
    }

    private Path hostile(final String name, final RawServer.Script script) throws Exception
    {
        return hostile(name, script, true);
    }

    /**
     * Start a raw "instance" of the echo cell in a home of its own.
     *
     * @param welcome whether it answers the Hello honestly before the script sees the frames.
     */
    private Path hostile(final String name, final RawServer.Script script, final boolean welcome) throws Exception
    {
        final Path home = TestSupport.newDir(name + "-home");
        final String instanceId = name + "-" + ProcessHandle.current().pid();
        open.add(new RawServer(home, EchoCell.NAME, EchoCell.genome(), instanceId, (peer, frame) ->
        {
            if (welcome && RawServer.templateId(frame) == HelloDecoder.TEMPLATE_ID)
            {
                peer.welcome(TestSupport.fingerprint(), instanceId);
                return;
            }
            script.onFrame(peer, frame);
        }));
        return home;
    }

    /**
     * A script that answers each frame of one template with one frame.
     */
    private static RawServer.Script answer(final int templateId, final Answer answer)
    {
        return (peer, frame) ->
        {
            if (RawServer.templateId(frame) == templateId)
            {
                final ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
                peer.send(b, answer.encode(b, frame));
            }
        };
    }

    /**
     * Encodes the answer to one frame.
     */
    @FunctionalInterface
    private interface Answer
    {
        /**
         * @param b     where to encode it, from offset 0.
         * @param frame the client's frame.
         * @return the answer's length.
         */
        int encode(MutableDirectBuffer b, DirectBuffer frame);
    }

    private static void lieAt(final MutableDirectBuffer b, final int lengthField)
    {
        b.putInt(lengthField, LIE, ByteOrder.LITTLE_ENDIAN);
    }

    private static ClientOptions options(final Path home)
    {
        return TestSupport.client(home).withConnectTimeout(Duration.ofMillis(TIMEOUT_MS))
            .withCallTimeout(Duration.ofMillis(TIMEOUT_MS));
    }

    private static CellConnection connect(final Path home)
    {
        return CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(), options(home));
    }

    private static void call(final CellConnection c)
    {
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 7), new Reply());
    }

    /**
     * Run {@code what}, expecting {@code Rejected} before the timeout, and no allocation anywhere near what the frame
     * claimed (2 GiB) on this thread, which read the frame.
     */
    private static CellException.Rejected refusedWithin(final Executable what)
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long before = threads.getCurrentThreadAllocatedBytes();
        final long startNs = System.nanoTime();
        final CellException.Rejected ex = assertThrows(CellException.Rejected.class, what);
        final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        System.out.println("refused in " + tookMs + " ms, " + allocated + " bytes allocated: " + ex.getMessage());
        assertTrue(tookMs < TIMEOUT_MS, "took " + tookMs + " ms");
        assertTrue(allocated < MAX_ALLOCATED, "allocated " + allocated + " bytes");
        return ex;
    }

    private static void assertMalformed(final CellException.Rejected ex, final String... parts)
    {
        assertEquals(EchoCell.NAME, ex.cell());
        assertTrue(ex.getMessage().contains("sent a malformed frame: "), ex.getMessage());
        for (final String part : parts)
        {
            assertTrue(ex.getMessage().contains(part), () -> "'" + part + "' missing from: " + ex.getMessage());
        }
    }

    private static void assertHonestInstanceAnswers()
    {
        try (CellConnection c = connect(honestHome))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 42), reply);
            assertEquals(EchoCell.ECHO_REPLY, reply.templateId());
        }
    }
}
