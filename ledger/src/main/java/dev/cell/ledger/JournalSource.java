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
     * @param index a log index (0 for the beginning).
     * @return a reader whose next entry is the first with a greater index; close it.
     */
    JournalReader readerAfter(long index);
}
