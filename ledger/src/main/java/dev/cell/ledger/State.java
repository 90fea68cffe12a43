package dev.cell.ledger;

/**
 * The materialised state of a stateful cell: an ordered byte-key/byte-value store (RocksDB underneath).
 * <p>
 * Writes are allowed only while a command is being applied (on the apply thread): they join that command's atomic
 * batch, which commits together with the command's log index, so a crash never leaves half a command applied.
 * {@link #get} inside a command sees the command's own earlier writes; {@link #scan} and reads elsewhere (queries) see
 * committed state.
 *
 * @since 0.1
 */
public interface State
{
    /**
     * @return inside a command, that command's log index (the same on every replica: a deterministic version
     * number); elsewhere the last applied index.
     */
    long index();

    /**
     * @param key a key.
     * @return its value, or null when absent.
     */
    byte[] get(byte[] key);

    /**
     * @param key   a key.
     * @param value its new value.
     * @throws IllegalStateException when called outside a command's apply.
     */
    void put(byte[] key, byte[] value);

    /**
     * @param key a key to remove (absent keys are fine).
     * @throws IllegalStateException when called outside a command's apply.
     */
    void delete(byte[] key);

    /**
     * Visit keys in {@code [from, to)} in byte order.
     *
     * @param from    first key (inclusive); empty for the beginning.
     * @param to      end key (exclusive); null for no end.
     * @param limit   most entries to visit.
     * @param visitor receives each key and value; returns false to stop early.
     * @return how many entries were visited.
     */
    int scan(byte[] from, byte[] to, int limit, Visitor visitor);

    /**
     * Receives entries from {@link #scan}.
     */
    @FunctionalInterface
    interface Visitor
    {
        /**
         * @param key   the key.
         * @param value the value.
         * @return true to continue.
         */
        boolean visit(byte[] key, byte[] value);
    }
}
