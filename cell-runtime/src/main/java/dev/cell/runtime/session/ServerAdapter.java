package dev.cell.runtime.session;

import dev.cell.runtime.genome.FrameCheck;
import dev.cell.sbe.codecs.GenomeRequestDecoder;
import dev.cell.sbe.codecs.GoodbyeDecoder;
import dev.cell.sbe.codecs.HeartbeatDecoder;
import dev.cell.sbe.codecs.HelloDecoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.RequestDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes the frames clients send to an instance and hands what each says to a {@link ServerListener}. It works on
 * a frame the transport has already copied out of shared memory: the bytes cannot change between check and use.
 * Every length and count of a protocol message is checked ({@link FrameCheck#protocol()}) before any is read; a
 * Hello is checked by hand, since its trailing handler list may be missing whatever its header's version.
 * <p>
 * <b>Note:</b> not thread safe: one per serving thread. Allocates only for the strings of a Hello or a Goodbye.
 *
 * @since 0.1
 */
public final class ServerAdapter
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final HelloDecoder helloDecoder = new HelloDecoder();
    private final RequestDecoder requestDecoder = new RequestDecoder();
    private final GenomeRequestDecoder genomeRequestDecoder = new GenomeRequestDecoder();
    private final HeartbeatDecoder heartbeatDecoder = new HeartbeatDecoder();
    private final GoodbyeDecoder goodbyeDecoder = new GoodbyeDecoder();
    private final FrameCheck protocolCheck = FrameCheck.protocol();
    private final ServerListener listener;

    /**
     * @param listener told what each frame says.
     */
    public ServerAdapter(final ServerListener listener)
    {
        this.listener = listener;
    }

    /**
     * Decode one frame.
     *
     * @param welcomed true once the session's Hello was answered with a Welcome: only a Hello is expected before.
     * @param buffer   holds the frame (a private copy).
     * @param index    where it starts.
     * @param length   its length.
     * @return what the listener returned: true to read on.
     */
    public boolean onFrame(final boolean welcomed, final DirectBuffer buffer, final int index, final int length)
    {
        final int end = index + length;
        if (length < Protocol.HEADER_LENGTH)
        {
            return listener.onUndecodable("frame of type " + Protocol.FRAME_TYPE_ID + " and " + length +
                " bytes is not a Cell frame");
        }
        headerDecoder.wrap(buffer, index);
        final int schemaId = headerDecoder.schemaId();
        final int templateId = headerDecoder.templateId();
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        if (schemaId != Protocol.SCHEMA_ID)
        {
            return listener.onUndecodable("schema id " + schemaId + ", expected " + Protocol.SCHEMA_ID);
        }
        final int body = index + Protocol.HEADER_LENGTH;
        if (body + blockLength > end)
        {
            return listener.onUndecodable("template " + templateId + " claims a block of " + blockLength +
                " bytes but the frame has " + (length - Protocol.HEADER_LENGTH));
        }
        if (!welcomed)
        {
            return onFirstFrame(buffer, templateId, body, blockLength, version, end);
        }
        if (!protocolCheck.check(buffer, index, length))
        {
            return listener.onUndecodable(protocolCheck.problem());
        }
        return switch (templateId)
        {
            case RequestDecoder.TEMPLATE_ID -> onRequest(buffer, body, blockLength, version, end);
            case GenomeRequestDecoder.TEMPLATE_ID ->
            {
                if (blockLength < GenomeRequestDecoder.BLOCK_LENGTH)
                {
                    yield listener.onBadFrame("GenomeRequest block of " + blockLength + " bytes");
                }
                genomeRequestDecoder.wrap(buffer, body, blockLength, version);
                yield listener.onGenomeRequest(genomeRequestDecoder.correlationId());
            }
            case HeartbeatDecoder.TEMPLATE_ID ->
            {
                if (blockLength < HeartbeatDecoder.BLOCK_LENGTH)
                {
                    yield listener.onBadFrame("Heartbeat block of " + blockLength + " bytes");
                }
                heartbeatDecoder.wrap(buffer, body, blockLength, version);
                yield listener.onHeartbeat(heartbeatDecoder.epochMs());
            }
            case GoodbyeDecoder.TEMPLATE_ID ->
            {
                String reason = "goodbye";
                if (Protocol.varFieldsFit(buffer, body + blockLength, end, 1))
                {
                    goodbyeDecoder.wrap(buffer, body, blockLength, version);
                    reason = "goodbye: " + goodbyeDecoder.reason();
                }
                yield listener.onGoodbye(reason);
            }
            case HelloDecoder.TEMPLATE_ID -> listener.onBadFrame("second Hello on an open junction");
            default -> listener.onBadFrame("unknown template id " + templateId + " of schema " + schemaId);
        };
    }

    private boolean onFirstFrame(
        final DirectBuffer buffer,
        final int templateId,
        final int body,
        final int blockLength,
        final int version,
        final int end)
    {
        if (templateId != HelloDecoder.TEMPLATE_ID)
        {
            return listener.onUndecodable("expected Hello as the first frame, got template " + templateId);
        }
        if (blockLength < HelloDecoder.BLOCK_LENGTH || !Protocol.varFieldsFit(buffer, body + blockLength, end, 2))
        {
            return listener.onUndecodable("truncated Hello");
        }
        // The handler list (schema version 1) is read only when it is there: a Hello without it names none.
        final boolean hasHandlers = version >= 1 && Protocol.varFieldsFit(buffer, body + blockLength, end, 3);
        helloDecoder.wrap(buffer, body, blockLength, version);
        final long clientPid = helloDecoder.clientPid();
        final long fingerprint = helloDecoder.fingerprint();
        final int protocolVersion = helloDecoder.protocolVersion();
        final String cell = helloDecoder.cell();
        final String clientName = helloDecoder.clientName();
        final String handlers = hasHandlers ? helloDecoder.handlers() : "";
        return listener.onHello(clientPid, fingerprint, protocolVersion, cell, clientName, handlers);
    }

    private boolean onRequest(
        final DirectBuffer buffer, final int body, final int blockLength, final int version, final int end)
    {
        if (blockLength < RequestDecoder.BLOCK_LENGTH)
        {
            return listener.onBadFrame("Request block of " + blockLength + " bytes");
        }
        final RequestDecoder request = requestDecoder.wrap(buffer, body, blockLength, version);
        final int appOffset = body + blockLength;
        final int appLength = end - appOffset;
        if (appLength < Protocol.HEADER_LENGTH)
        {
            return listener.onBadFrame("Request " + request.correlationId() + " carries " + appLength +
                " bytes, less than a message header");
        }
        return listener.onRequest(
            request.correlationId(),
            request.sessionHigh(),
            request.sessionLow(),
            request.sequence(),
            request.traceIdHigh(),
            request.traceIdLow(),
            request.parentSpanId(),
            request.traceFlags(),
            request.deadlineEpochNs(),
            buffer,
            appOffset,
            appLength);
    }
}
