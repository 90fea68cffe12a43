package dev.cell.runtime.session;

import org.agrona.DirectBuffer;

/**
 * What a {@link ServerAdapter} found in one frame a client sent. Each method returns true when the transport may
 * go on reading the client's frames in this batch.
 *
 * @since 0.1
 */
public interface ServerListener
{
    /**
     * The client's first frame, a Hello.
     *
     * @param clientPid       the client's process id.
     * @param fingerprint     the genome fingerprint the client was built against, 0 for any.
     * @param protocolVersion the protocol version the client speaks.
     * @param cell            the cell the client wants.
     * @param clientName      the client's name.
     * @param handlers        the {@code name=fingerprint,...} list of handlers the client uses; empty for none.
     * @return true to read on.
     */
    boolean onHello(
        long clientPid, long fingerprint, int protocolVersion, String cell, String clientName, String handlers);

    /**
     * A request. The buffer holds the cell's own message (its SBE header first), checked against nothing yet.
     *
     * @param correlationId   the client's id of the call.
     * @param sessionHigh     the client session, high half.
     * @param sessionLow      the client session, low half.
     * @param sequence        the call's sequence within the session.
     * @param traceIdHigh     trace id, high half.
     * @param traceIdLow      trace id, low half.
     * @param parentSpanId    the caller's span.
     * @param traceFlags      trace flags.
     * @param deadlineEpochNs the caller's deadline, 0 for none.
     * @param buffer          holds the cell's message.
     * @param offset          where it starts.
     * @param length          its length (at least a message header).
     * @return true to read on.
     */
    boolean onRequest(
        long correlationId,
        long sessionHigh,
        long sessionLow,
        long sequence,
        long traceIdHigh,
        long traceIdLow,
        long parentSpanId,
        int traceFlags,
        long deadlineEpochNs,
        DirectBuffer buffer,
        int offset,
        int length);

    /**
     * The client asks for the instance's genome.
     *
     * @param correlationId the client's id of the call.
     * @return true to read on.
     */
    boolean onGenomeRequest(long correlationId);

    /**
     * A heartbeat frame.
     *
     * @param epochMs the client's clock.
     * @return true to read on.
     */
    boolean onHeartbeat(long epochMs);

    /**
     * The client closes its session.
     *
     * @param reason "goodbye" or "goodbye: " and the client's reason.
     * @return true to read on.
     */
    boolean onGoodbye(String reason);

    /**
     * A frame that cannot be decoded: before the Hello the session is refused, after it the junction closes.
     *
     * @param problem what is wrong with it.
     * @return true to read on.
     */
    boolean onUndecodable(String problem);

    /**
     * A frame of an open session that breaks the protocol.
     *
     * @param problem what is wrong with it.
     * @return true to read on.
     */
    boolean onBadFrame(String problem);
}
