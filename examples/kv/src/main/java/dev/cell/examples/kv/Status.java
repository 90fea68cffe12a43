package dev.cell.examples.kv;

/**
 * What a replica holds.
 *
 * @param appliedIndex the last applied log index.
 * @param keys         how many keys.
 * @param stateHash    SHA-256 of the state (hex).
 */
public record Status(long appliedIndex, long keys, String stateHash)
{
}
