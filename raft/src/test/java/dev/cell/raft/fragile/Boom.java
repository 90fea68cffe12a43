package dev.cell.raft.fragile;

/**
 * @param key  written before throwing (the write must be discarded).
 * @param kind what to throw.
 */
public record Boom(String key, String kind)
{
}
