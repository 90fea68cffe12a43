package dev.cell.examples.kv;

/**
 * A range of keys.
 *
 * @param from  first key (inclusive); empty for the first key.
 * @param to    end key (exclusive); empty for no end.
 * @param maxEntries most entries (1 to 10,000).
 */
public record ScanRange(String from, String to, int maxEntries)
{
}
