package dev.cell.examples.kv;

/**
 * A key to read.
 *
 * @param key the key (UTF-8, not empty).
 */
public record Key(String key)
{
}
