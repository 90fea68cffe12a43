package dev.cell.examples.kv;

/**
 * A key's value.
 *
 * @param found   false when the key is absent (value empty, version 0).
 * @param value   the value.
 * @param version the log index of the write that set it.
 */
public record Value(boolean found, byte[] value, long version)
{
}
