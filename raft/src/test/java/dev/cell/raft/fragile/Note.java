package dev.cell.raft.fragile;

/**
 * @param key  the key.
 * @param text its text.
 */
public record Note(String key, String text)
{
}
