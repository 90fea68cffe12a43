package dev.cell.runtime.session;

import dev.cell.sbe.codecs.GenomeRequestEncoder;
import dev.cell.sbe.codecs.GoodbyeEncoder;
import dev.cell.sbe.codecs.HelloEncoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.RequestEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes the frames a client sends to an instance into a buffer it is given: space claimed in a transport (requests
 * are written in place, never staged and copied) or a staging buffer. Each method returns the frame's length; the
 * {@code *Length} methods tell how much to claim first.
 * <p>
 * <b>Note:</b> not thread safe: one per sending thread or guarded by the sender's lock. Requests allocate nothing.
 *
 * @since 0.1
 */
public final class ClientProxy
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final HelloEncoder helloEncoder = new HelloEncoder();
    private final RequestEncoder requestEncoder = new RequestEncoder();
    private final GenomeRequestEncoder genomeRequestEncoder = new GenomeRequestEncoder();
    private final GoodbyeEncoder goodbyeEncoder = new GoodbyeEncoder();

    /**
     * @param appLength the length of the cell's request message.
     * @return the length of the request frame carrying it.
     */
    public static int requestLength(final int appLength)
    {
        return Protocol.REQUEST_PREFIX_LENGTH + appLength;
    }

    /**
     * @return the length of a genome request frame.
     */
    public static int genomeRequestLength()
    {
        return Protocol.HEADER_LENGTH + GenomeRequestEncoder.BLOCK_LENGTH;
    }

    /**
     * @param buffer      to write into.
     * @param offset      where the frame starts.
     * @param clientPid   this process.
     * @param fingerprint the genome fingerprint the client was built against, 0 for any.
     * @param cell        the cell wanted.
     * @param clientName  this client's name.
     * @param handlers    the {@code name=fingerprint,...} list of handlers used; empty for none.
     * @return the frame's length.
     */
    public int hello(
        final MutableDirectBuffer buffer,
        final int offset,
        final long clientPid,
        final long fingerprint,
        final String cell,
        final String clientName,
        final String handlers)
    {
        helloEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .clientPid(clientPid)
            .fingerprint(fingerprint)
            .protocolVersion(Protocol.PROTOCOL_VERSION)
            .cell(cell)
            .clientName(clientName)
            .handlers(handlers);
        return Protocol.HEADER_LENGTH + helloEncoder.encodedLength();
    }

    /**
     * Write a request frame: its envelope, then the cell's message copied from {@code request}.
     *
     * @param buffer          to write into ({@link #requestLength} bytes from {@code offset}).
     * @param offset          where the frame starts.
     * @param correlationId   the call's id.
     * @param sessionHigh     the client session, high half.
     * @param sessionLow      the client session, low half.
     * @param sequence        the call's sequence within the session.
     * @param traceIdHigh     W3C trace-id, first 8 bytes.
     * @param traceIdLow      W3C trace-id, last 8 bytes.
     * @param parentSpanId    W3C parent-id: the caller's span, 0 for none.
     * @param traceFlags      W3C trace-flags.
     * @param deadlineEpochNs the caller's deadline.
     * @param request         holds the cell's message.
     * @param requestOffset   where it starts.
     * @param requestLength   its length.
     * @return the frame's length.
     */
    public int request(
        final MutableDirectBuffer buffer,
        final int offset,
        final long correlationId,
        final long sessionHigh,
        final long sessionLow,
        final long sequence,
        final long traceIdHigh,
        final long traceIdLow,
        final long parentSpanId,
        final int traceFlags,
        final long deadlineEpochNs,
        final DirectBuffer request,
        final int requestOffset,
        final int requestLength)
    {
        requestEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .sessionHigh(sessionHigh)
            .sessionLow(sessionLow)
            .sequence(sequence)
            .traceIdHigh(traceIdHigh)
            .traceIdLow(traceIdLow)
            .parentSpanId(parentSpanId)
            .traceFlags((short)traceFlags)
            .deadlineEpochNs(deadlineEpochNs);
        buffer.putBytes(offset + Protocol.REQUEST_PREFIX_LENGTH, request, requestOffset, requestLength);
        return requestLength(requestLength);
    }

    /**
     * @param buffer        to write into ({@link #genomeRequestLength} bytes from {@code offset}).
     * @param offset        where the frame starts.
     * @param correlationId the call's id.
     * @return the frame's length.
     */
    public int genomeRequest(final MutableDirectBuffer buffer, final int offset, final long correlationId)
    {
        genomeRequestEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).correlationId(correlationId);
        return genomeRequestLength();
    }

    /**
     * @param buffer to write into.
     * @param offset where the frame starts.
     * @param reason for the instance.
     * @return the frame's length.
     */
    public int goodbye(final MutableDirectBuffer buffer, final int offset, final String reason)
    {
        goodbyeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).reason(reason);
        return Protocol.HEADER_LENGTH + goodbyeEncoder.encodedLength();
    }
}
