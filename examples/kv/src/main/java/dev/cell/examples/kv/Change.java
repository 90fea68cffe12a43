package dev.cell.examples.kv;

/**
 * One applied change of a key.
 *
 * @param logIndex its log index.
 * @param key     the key.
 * @param value   the new value (empty when deleted).
 * @param deleted true for a delete.
 */
public record Change(long logIndex, String key, byte[] value, boolean deleted)
{
}
