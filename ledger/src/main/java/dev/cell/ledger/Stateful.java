package dev.cell.ledger;

/**
 * Implemented by a stateful cell class to receive its replica's state and journal before it serves.
 *
 * @since 0.1
 */
public interface Stateful
{
    /**
     * Where the cell's SBE request starts in a journal entry written by the replication layer: entries begin with
     * a one-byte kind ({@link #APPLIED} or {@link #NOT_APPLIED}), the leader's timestamp (int64, epoch ms), the
     * group's session window (int32, ms), the client session (two int64) and the call's sequence (int64), all
     * little-endian; the request is followed by a 32-byte tag (HMAC-SHA256 with the group's key), which SBE's
     * decoders ignore as trailing bytes.
     */
    int COMMAND_OFFSET = 37;

    /**
     * Kind of a journal entry whose command ran: its writes (and a declared error's) are in the state.
     */
    byte APPLIED = 0x10;

    /**
     * Kind of a journal entry that changed nothing in the cell's state: a retry answered with its first reply, a
     * call refused (session expired), or a handler that failed. Readers of the journal skip these.
     */
    byte NOT_APPLIED = 0x11;

    /**
     * Called once, before the first command is applied or query answered.
     *
     * @param state   the replica's materialised state: commands read and write it, queries read it.
     * @param journal the journal of applied commands; read it through the generated {@code <Cell>Journal}, which
     *                hands each command that ran to a typed method (entries hold the command's SBE request from
     *                {@link #COMMAND_OFFSET}; those whose first byte is not {@link #APPLIED} changed nothing).
     */
    void attach(State state, JournalSource journal);
}
