package dev.cell.ledger;

/**
 * Read access to a replica's journal, as a stateful cell sees it (it tails, it never appends).
 *
 * @since 0.1
 */
public interface JournalSource
{
    /**
     * @return the log index of the last applied command in the journal, 0 when empty.
     */
    long lastIndex();

    /**
     * @return the log index of the first command the journal holds, 0 when empty. Commands before it are covered by
     * the replica's snapshot and are no longer journaled (trimmed with the Raft log, or never received because the
     * replica caught up by a snapshot install): a reader starting before it begins there.
     */
    long firstIndex();

    /**
     * @param index a log index (0 for the beginning).
     * @return a reader whose next entry is the first with a greater index; close it.
     */
    JournalReader readerAfter(long index);
}
