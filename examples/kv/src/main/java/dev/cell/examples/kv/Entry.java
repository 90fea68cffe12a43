package dev.cell.examples.kv;

/**
 * One key and its value.
 *
 * @param key     the key.
 * @param value   its value.
 * @param version the log index of the write that set it.
 */
public record Entry(String key, byte[] value, long version)
{
}
