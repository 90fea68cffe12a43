package dev.cell.runtime.session;

import dev.cell.runtime.genome.FrameCheck;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.GenomeResponseDecoder;
import dev.cell.sbe.codecs.GoodbyeDecoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.Outcome;
import dev.cell.sbe.codecs.RejectDecoder;
import dev.cell.sbe.codecs.ResponseDecoder;
import dev.cell.sbe.codecs.WelcomeDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes the frames an instance sends to a client and hands what each says to a {@link ClientListener}. It works on
 * a frame the transport has already copied out of shared memory (the instance can still write the mapping, so bytes
 * read twice from it could differ between their check and their use). Each frame is checked against Cell's protocol
 * schema ({@link FrameCheck#protocol()}), every length, count and enum of it, before any decoder reads it.
 * <p>
 * A frame of an unknown template of the protocol's schema (a later protocol version) is skipped unread; anything else
 * that fails the check goes to {@link ClientListener#onMalformed}. Heartbeats need nothing.
 * <p>
 * <b>Note:</b> not thread safe: one per reading thread.
 *
 * @since 0.1
 */
public final class ClientAdapter
{
    private final FrameCheck check = FrameCheck.protocol();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final ResponseDecoder responseDecoder = new ResponseDecoder();
    private final FailureDecoder failureDecoder = new FailureDecoder();
    private final GenomeResponseDecoder genomeResponseDecoder = new GenomeResponseDecoder();
    private final GoodbyeDecoder goodbyeDecoder = new GoodbyeDecoder();
    private final WelcomeDecoder welcomeDecoder = new WelcomeDecoder();
    private final RejectDecoder rejectDecoder = new RejectDecoder();
    private final ClientListener listener;

    /**
     * @param listener told what each frame says.
     */
    public ClientAdapter(final ClientListener listener)
    {
        this.listener = listener;
    }

    /**
     * Check and decode one frame.
     *
     * @param buffer holds the frame (a private copy).
     * @param index  where it starts.
     * @param length its length.
     * @return what the listener returned: true to read on.
     */
    public boolean onFrame(final DirectBuffer buffer, final int index, final int length)
    {
        if (!check.check(buffer, index, length))
        {
            if (check.messageName() == null && check.templateId() >= 0 && length >= Protocol.HEADER_LENGTH &&
                header.wrap(buffer, index).schemaId() == Protocol.SCHEMA_ID)
            {
                // A message of a later protocol version this client does not know: nothing of it is read.
                return true;
            }
            return listener.onMalformed(check.problem());
        }
        header.wrap(buffer, index);
        final int body = index + Protocol.HEADER_LENGTH;
        final int blockLength = header.blockLength();
        final int version = header.version();
        switch (header.templateId())
        {
            case ResponseDecoder.TEMPLATE_ID ->
            {
                responseDecoder.wrap(buffer, body, blockLength, version);
                final int replyOffset = check.end();
                return listener.onResponse(responseDecoder.correlationId(),
                    responseDecoder.outcome() == Outcome.APP_ERROR, buffer, replyOffset, index + length - replyOffset);
            }
            case FailureDecoder.TEMPLATE_ID ->
            {
                failureDecoder.wrap(buffer, body, blockLength, version);
                final long correlationId = failureDecoder.correlationId();
                return listener.onFailure(correlationId, failureDecoder.code(),
                    Protocol.detail(failureDecoder.detail()));
            }
            case GenomeResponseDecoder.TEMPLATE_ID ->
            {
                genomeResponseDecoder.wrap(buffer, body, blockLength, version);
                final long correlationId = genomeResponseDecoder.correlationId();
                return listener.onGenome(correlationId, genomeResponseDecoder.genome());
            }
            case GoodbyeDecoder.TEMPLATE_ID ->
            {
                goodbyeDecoder.wrap(buffer, body, blockLength, version);
                return listener.onGoodbye(Protocol.detail(goodbyeDecoder.reason()));
            }
            case WelcomeDecoder.TEMPLATE_ID ->
            {
                welcomeDecoder.wrap(buffer, body, blockLength, version);
                final long serverPid = welcomeDecoder.serverPid();
                final long fingerprint = welcomeDecoder.fingerprint();
                return listener.onWelcome(serverPid, fingerprint, welcomeDecoder.instance());
            }
            case RejectDecoder.TEMPLATE_ID ->
            {
                rejectDecoder.wrap(buffer, body, blockLength, version);
                final var code = rejectDecoder.code();
                final long fingerprint = rejectDecoder.fingerprint();
                return listener.onReject(code, fingerprint, Protocol.detail(rejectDecoder.reason()));
            }
            default ->
            {
                // Heartbeats and the like: nothing to do.
                return true;
            }
        }
    }
}
