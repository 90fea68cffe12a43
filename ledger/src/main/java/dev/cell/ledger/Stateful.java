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
     * a one-byte kind and the command's 8-byte request id.
     */
    int COMMAND_OFFSET = 9;

    /**
     * Called once, before the first command is applied or query answered.
     *
     * @param state   the replica's materialised state: commands read and write it, queries read it.
     * @param journal the journal of applied commands (each entry holds the command's SBE request message from
     *                {@link #COMMAND_OFFSET}).
     */
    void attach(State state, JournalSource journal);
}
