package dev.cell.examples.kv;

/**
 * Set a key.
 *
 * @param key   the key.
 * @param value its new value.
 */
public record Put(String key, byte[] value)
{
}
