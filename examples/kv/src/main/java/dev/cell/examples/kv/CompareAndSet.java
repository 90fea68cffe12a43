package dev.cell.examples.kv;

/**
 * Set a key only if its version is the expected one.
 *
 * @param key             the key.
 * @param expectedVersion the version the key must have (0: the key must be absent).
 * @param value           the new value.
 */
public record CompareAndSet(String key, long expectedVersion, byte[] value)
{
}
