package dev.cell.examples.fuzz;

import dev.cell.ring.FrameHandler;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.HelloEncoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.RequestEncoder;
import dev.cell.sbe.codecs.WelcomeDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that speaks the junction protocol by hand, so a test can put any cell message after a valid Request
 * envelope.
 */
final class RawJunction implements AutoCloseable
{
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final long WAIT_NS = 10_000_000_000L;

    private final InstanceFile instanceFile;
    private final Junction junction;
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(1 << 16);
    private final FrameHandler collect = (final int type, final DirectBuffer b, final int i, final int l) ->
    {
        final byte[] copy = new byte[l];
        b.getBytes(i, copy);
        inbound.add(copy);
        return true;
    };

    /**
     * Open a junction to an instance and say Hello.
     *
     * @param runDir      the instance's run folder.
     * @param cell        the cell's served name.
     * @param fingerprint the genome fingerprint to claim.
     */
    RawJunction(final Path runDir, final String cell, final long fingerprint) throws Exception
    {
        instanceFile = InstanceFile.open(runDir.resolve(InstanceFile.FILE_NAME));
        // The instance accepts junction names of the form <pid>-<number>.junction.
        final String name = ProcessHandle.current().pid() + "-" + (2_000_000 + COUNTER.incrementAndGet()) +
            ".junction";
        junction = Junction.create(runDir.resolve("junctions").resolve(name), 1 << 16, 1 << 16);
        junction.peerDoorbell(instanceFile.doorbell());
        if (!instanceFile.post(name))
        {
            close();
            throw new IllegalStateException("the accept ring refused " + name);
        }
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(out, 0, new MessageHeaderEncoder())
            .clientPid(ProcessHandle.current().pid())
            .fingerprint(fingerprint)
            .protocolVersion(Protocol.PROTOCOL_VERSION)
            .cell(cell)
            .clientName("frame-fuzz")
            .handlers("");
        send(Protocol.HEADER_LENGTH + hello.encodedLength());
        final byte[] welcome = await();
        if (templateId(welcome) != WelcomeDecoder.TEMPLATE_ID)
        {
            close();
            throw new IllegalStateException("no Welcome from " + runDir + ", got template " + templateId(welcome));
        }
    }

    /**
     * Send a Request envelope followed by a cell message.
     *
     * @param correlationId the call's id (also its sequence).
     * @param message       holds the cell message at 0.
     * @param length        its length.
     */
    void request(final long correlationId, final DirectBuffer message, final int length)
    {
        new RequestEncoder().wrapAndApplyHeader(out, 0, new MessageHeaderEncoder())
            .correlationId(correlationId).sessionHigh(1).sessionLow(ProcessHandle.current().pid())
            .sequence(correlationId).deadlineEpochNs(0);
        out.putBytes(Protocol.REQUEST_PREFIX_LENGTH, message, 0, length);
        send(Protocol.REQUEST_PREFIX_LENGTH + length);
    }

    private void send(final int length)
    {
        final int status = junction.send(Protocol.FRAME_TYPE_ID, out, 0, length);
        if (status != Junction.OK)
        {
            throw new IllegalStateException("send failed: " + status);
        }
    }

    /**
     * @return the next frame from the instance, waiting up to 10 s.
     */
    byte[] await()
    {
        final long deadlineNs = System.nanoTime() + WAIT_NS;
        while (inbound.isEmpty())
        {
            if (junction.read(collect, 16) < 0)
            {
                throw new IllegalStateException("corrupt junction: " + junction.corruption());
            }
            if (inbound.isEmpty())
            {
                if (System.nanoTime() > deadlineNs)
                {
                    throw new AssertionError("no frame from the instance within 10 s");
                }
                // Yield rather than spin: on a small machine the instance needs the core.
                Thread.yield();
            }
        }
        return inbound.removeFirst();
    }

    /**
     * @return true once the instance closed this junction.
     */
    boolean closedByInstance()
    {
        return junction.peerClosed();
    }

    static int templateId(final byte[] frame)
    {
        return new UnsafeBuffer(frame).getShort(2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    static FailureDecoder failure(final byte[] frame)
    {
        return new FailureDecoder().wrapAndApplyHeader(new UnsafeBuffer(frame), 0, new MessageHeaderDecoder());
    }

    @Override
    public void close()
    {
        junction.closeAndDelete();
        instanceFile.close();
    }
}
