package dev.cell.raft.fragile;

/**
 * @param key a key.
 */
public record Name(String key)
{
}
