package dev.cell.ledger;

import org.agrona.DirectBuffer;

/**
 * Receives journal entries from a {@link JournalReader}.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface JournalHandler
{
    /**
     * One applied command.
     *
     * @param index   the command's index in the replicated log (strictly increasing along the journal).
     * @param term    the term it was committed in.
     * @param payload the command's bytes; valid only during this call.
     * @param offset  where they start.
     * @param length  how many.
     */
    void onEntry(long index, long term, DirectBuffer payload, int offset, int length);
}
