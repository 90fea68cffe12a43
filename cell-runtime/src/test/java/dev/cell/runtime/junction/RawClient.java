package dev.cell.runtime.junction;

import dev.cell.ring.FrameHandler;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.HelloEncoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that speaks the junction protocol by hand, so tests can send anything.
 */
final class RawClient implements AutoCloseable
{
    private static final AtomicInteger COUNTER = new AtomicInteger(1_000_000);

    final InstanceFile instanceFile;
    final Junction junction;
    final List<byte[]> frames = new ArrayList<>();

    RawClient(final Path runDir) throws Exception
    {
        instanceFile = InstanceFile.open(runDir.resolve(InstanceFile.FILE_NAME));
        final String name = ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + ".junction";
        junction = Junction.create(runDir.resolve("junctions").resolve(name), 1 << 16, 1 << 16);
        junction.peerDoorbell(instanceFile.doorbell());
        if (!instanceFile.post(name))
        {
            throw new IllegalStateException("accept ring refused " + name);
        }
    }

    void hello(final long fingerprint)
    {
        final ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
        final HelloEncoder hello = new HelloEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
            .clientPid(ProcessHandle.current().pid())
            .fingerprint(fingerprint)
            .protocolVersion(Protocol.PROTOCOL_VERSION)
            .cell(EchoCell.NAME)
            .clientName("raw");
        send(b, Protocol.HEADER_LENGTH + hello.encodedLength());
    }

    void send(final DirectBuffer b, final int length)
    {
        send(Protocol.FRAME_TYPE_ID, b, length);
    }

    void send(final int msgTypeId, final DirectBuffer b, final int length)
    {
        // No heartbeat thread here: beat on each send, so a long raw session is not reclaimed as "client hung".
        junction.heartbeat(System.currentTimeMillis());
        final int status = junction.send(msgTypeId, b, 0, length);
        if (status != Junction.OK)
        {
            throw new IllegalStateException("send failed: " + status);
        }
    }

    void send(final byte[] bytes)
    {
        send(new UnsafeBuffer(bytes), bytes.length);
    }

    /**
     * @return the next frame's template id (Cell protocol), waiting up to 10 s.
     */
    int awaitTemplate()
    {
        final byte[] frame = awaitFrame();
        final MessageHeaderDecoder h = new MessageHeaderDecoder().wrap(new UnsafeBuffer(frame), 0);
        return h.templateId();
    }

    byte[] awaitFrame()
    {
        final long deadlineNs = System.nanoTime() + 10_000_000_000L;
        final FrameHandler handler = (final int t, final DirectBuffer b, final int i, final int l) ->
        {
            final byte[] copy = new byte[l];
            b.getBytes(i, copy);
            frames.add(copy);
            return true;
        };
        while (frames.isEmpty())
        {
            if (junction.read(handler, 10) < 0)
            {
                throw new IllegalStateException("corrupt: " + junction.corruption());
            }
            if (System.nanoTime() > deadlineNs)
            {
                throw new AssertionError("no frame within 10 s");
            }
            Thread.onSpinWait();
        }
        return frames.removeFirst();
    }

    @Override
    public void close()
    {
        junction.closeAndDelete();
        instanceFile.close();
    }
}
