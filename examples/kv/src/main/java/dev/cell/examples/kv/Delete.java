package dev.cell.examples.kv;

/**
 * Remove a key.
 *
 * @param key the key.
 */
public record Delete(String key)
{
}
