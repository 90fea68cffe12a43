package dev.cell.runtime.session;

import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.RejectCode;
import org.agrona.DirectBuffer;

/**
 * What a {@link ClientAdapter} found in one frame an instance sent. Each method returns true when the transport may
 * go on reading the instance's frames in this batch.
 *
 * @since 0.1
 */
public interface ClientListener
{
    /**
     * The instance accepted the Hello.
     *
     * @param serverPid   the instance's process.
     * @param fingerprint the genome fingerprint it serves.
     * @param instanceId  its id.
     * @return true to read on.
     */
    boolean onWelcome(long serverPid, long fingerprint, String instanceId);

    /**
     * The instance refused the Hello.
     *
     * @param code        why.
     * @param fingerprint the genome fingerprint it serves.
     * @param reason      its words.
     * @return true to read on.
     */
    boolean onReject(RejectCode code, long fingerprint, String reason);

    /**
     * A reply.
     *
     * @param correlationId the call answered.
     * @param appError      true when it is one of the handler's declared errors.
     * @param buffer        holds the cell's reply message (its SBE header first).
     * @param offset        where it starts.
     * @param length        its length.
     * @return true to read on.
     */
    boolean onResponse(long correlationId, boolean appError, DirectBuffer buffer, int offset, int length);

    /**
     * A call failed, or (correlation id 0) the instance closes the session.
     *
     * @param correlationId the call, 0 for the session.
     * @param code          what failed (null for a code this client does not know).
     * @param detail        the instance's words.
     * @return true to read on.
     */
    boolean onFailure(long correlationId, FailureCode code, String detail);

    /**
     * The instance's genome.
     *
     * @param correlationId the call answered.
     * @param genomeJson    the genome.
     * @return true to read on.
     */
    boolean onGenome(long correlationId, String genomeJson);

    /**
     * The instance closes the session.
     *
     * @param reason its words.
     * @return true to read on.
     */
    boolean onGoodbye(String reason);

    /**
     * A frame that fails the protocol check: nothing of it was read.
     *
     * @param problem what is wrong with it.
     * @return true to read on.
     */
    boolean onMalformed(String problem);
}
