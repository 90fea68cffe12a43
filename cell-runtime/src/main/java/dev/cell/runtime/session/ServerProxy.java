package dev.cell.runtime.session;

import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureEncoder;
import dev.cell.sbe.codecs.GenomeResponseEncoder;
import dev.cell.sbe.codecs.GoodbyeEncoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.Outcome;
import dev.cell.sbe.codecs.RejectCode;
import dev.cell.sbe.codecs.RejectEncoder;
import dev.cell.sbe.codecs.ResponseEncoder;
import dev.cell.sbe.codecs.WelcomeEncoder;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes the frames an instance sends to its clients into a buffer it is given (a staging buffer or space claimed
 * in a transport). Each method returns the frame's length; the caller hands that many bytes to the transport.
 * <p>
 * <b>Note:</b> not thread safe: one per serving thread. Allocates nothing.
 *
 * @since 0.1
 */
public final class ServerProxy
{
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final WelcomeEncoder welcomeEncoder = new WelcomeEncoder();
    private final RejectEncoder rejectEncoder = new RejectEncoder();
    private final FailureEncoder failureEncoder = new FailureEncoder();
    private final ResponseEncoder responseEncoder = new ResponseEncoder();
    private final GenomeResponseEncoder genomeResponseEncoder = new GenomeResponseEncoder();
    private final GoodbyeEncoder goodbyeEncoder = new GoodbyeEncoder();

    /**
     * @param buffer           to write into.
     * @param offset           where the frame starts.
     * @param serverPid        this process.
     * @param fingerprint      the genome fingerprint the instance serves.
     * @param maxMessageLength the longest frame the session carries.
     * @param instanceId       the instance's id.
     * @return the frame's length.
     */
    public int welcome(
        final MutableDirectBuffer buffer,
        final int offset,
        final long serverPid,
        final long fingerprint,
        final int maxMessageLength,
        final String instanceId)
    {
        welcomeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .serverPid(serverPid)
            .fingerprint(fingerprint)
            .maxMessageLength(maxMessageLength)
            .instance(instanceId);
        return Protocol.HEADER_LENGTH + welcomeEncoder.encodedLength();
    }

    /**
     * @param buffer      to write into.
     * @param offset      where the frame starts.
     * @param code        why the Hello is refused.
     * @param fingerprint the genome fingerprint the instance serves.
     * @param reason      for the client (cut to {@link Protocol#MAX_DETAIL_LENGTH}).
     * @return the frame's length.
     */
    public int reject(
        final MutableDirectBuffer buffer,
        final int offset,
        final RejectCode code,
        final long fingerprint,
        final String reason)
    {
        rejectEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .code(code)
            .fingerprint(fingerprint)
            .reason(Protocol.detail(reason));
        return Protocol.HEADER_LENGTH + rejectEncoder.encodedLength();
    }

    /**
     * @param buffer        to write into.
     * @param offset        where the frame starts.
     * @param correlationId the call that failed; 0 for the session as a whole.
     * @param code          what failed.
     * @param detail        for the caller (cut to {@link Protocol#MAX_DETAIL_LENGTH}).
     * @return the frame's length.
     */
    public int failure(
        final MutableDirectBuffer buffer,
        final int offset,
        final long correlationId,
        final FailureCode code,
        final String detail)
    {
        failureEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .code(code)
            .detail(Protocol.detail(detail));
        return Protocol.HEADER_LENGTH + failureEncoder.encodedLength();
    }

    /**
     * Write a response's prefix in front of a reply already at {@code offset + }{@link Protocol#RESPONSE_PREFIX_LENGTH}.
     *
     * @param buffer        to write into.
     * @param offset        where the frame starts.
     * @param correlationId the call answered.
     * @param appError      true when the reply is one of the handler's declared errors.
     * @param replyLength   the reply's length.
     * @return the frame's length.
     */
    public int response(
        final MutableDirectBuffer buffer,
        final int offset,
        final long correlationId,
        final boolean appError,
        final int replyLength)
    {
        responseEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .outcome(appError ? Outcome.APP_ERROR : Outcome.OK);
        return Protocol.RESPONSE_PREFIX_LENGTH + replyLength;
    }

    /**
     * @param buffer        to write into.
     * @param offset        where the frame starts.
     * @param correlationId the call answered.
     * @param fingerprint   the genome's fingerprint.
     * @param genomeJson    the genome.
     * @return the frame's length.
     */
    public int genomeResponse(
        final MutableDirectBuffer buffer,
        final int offset,
        final long correlationId,
        final long fingerprint,
        final String genomeJson)
    {
        genomeResponseEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .fingerprint(fingerprint)
            .genome(genomeJson);
        return Protocol.HEADER_LENGTH + genomeResponseEncoder.encodedLength();
    }

    /**
     * @param buffer to write into.
     * @param offset where the frame starts.
     * @param reason for the client.
     * @return the frame's length.
     */
    public int goodbye(final MutableDirectBuffer buffer, final int offset, final String reason)
    {
        goodbyeEncoder.wrapAndApplyHeader(buffer, offset, headerEncoder).reason(reason);
        return Protocol.HEADER_LENGTH + goodbyeEncoder.encodedLength();
    }
}
