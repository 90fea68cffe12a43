package dev.cell.examples.kv;

/**
 * Ask for the changes to keys with a prefix, from the journal.
 *
 * @param prefix     the key prefix (empty: every key).
 * @param afterIndex return changes with a log index above this (0: from the beginning of the journal).
 * @param maxChanges most changes (1 to 10,000).
 */
public record Watch(String prefix, long afterIndex, int maxChanges)
{
}
