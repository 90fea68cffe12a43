package dev.cell.runtime.client;

import dev.cell.ring.FrameHandler;
import dev.cell.runtime.service.Protocol;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.RejectCode;
import dev.cell.sbe.codecs.RejectDecoder;
import dev.cell.sbe.codecs.WelcomeDecoder;
import org.agrona.DirectBuffer;

/**
 * Reads the instance's answer to a Hello: a Welcome or a Reject, each copied out of the ring and checked
 * ({@link InboundFrame}) before it is decoded. A malformed frame ends the handshake in {@link #MALFORMED}.
 * <p>
 * <b>Note:</b> not thread safe: used by the connecting thread only.
 */
final class Handshake implements FrameHandler
{
    static final int WAITING = 0;
    static final int WELCOMED = 1;
    static final int REJECTED = 2;
    static final int MALFORMED = 3;

    private final InboundFrame frame;
    private final WelcomeDecoder welcome = new WelcomeDecoder();
    private final RejectDecoder reject = new RejectDecoder();
    int state = WAITING;
    long fingerprint;
    long serverPid;
    String instanceId;
    RejectCode rejectCode;
    String reason;

    /**
     * @param maxFrameLength the junction's message limit.
     */
    Handshake(final int maxFrameLength)
    {
        this.frame = new InboundFrame(maxFrameLength);
    }

    @Override
    public boolean onFrame(final int msgTypeId, final DirectBuffer ring, final int index, final int length)
    {
        switch (frame.take(msgTypeId, ring, index, length))
        {
            case InboundFrame.MALFORMED ->
            {
                reason = frame.problem();
                state = MALFORMED;
                return false;
            }
            case InboundFrame.IGNORED ->
            {
                return true;
            }
            default ->
            {
                // Accepted: every length in it was checked against the frame.
            }
        }
        final DirectBuffer buffer = frame.buffer();
        final int body = Protocol.HEADER_LENGTH;
        switch (frame.templateId())
        {
            case WelcomeDecoder.TEMPLATE_ID ->
            {
                welcome.wrap(buffer, body, frame.blockLength(), frame.version());
                serverPid = welcome.serverPid();
                fingerprint = welcome.fingerprint();
                instanceId = welcome.instance();
                state = WELCOMED;
                return false;
            }
            case RejectDecoder.TEMPLATE_ID ->
            {
                reject.wrap(buffer, body, frame.blockLength(), frame.version());
                rejectCode = reject.code();
                fingerprint = reject.fingerprint();
                reason = Protocol.detail(reject.reason());
                state = REJECTED;
                return false;
            }
            case FailureDecoder.TEMPLATE_ID ->
            {
                rejectCode = RejectCode.BAD_HELLO;
                reason = "instance answered the Hello with a Failure";
                state = REJECTED;
                return false;
            }
            default ->
            {
                // Heartbeats and the like before the Welcome: nothing to do.
                return true;
            }
        }
    }
}
