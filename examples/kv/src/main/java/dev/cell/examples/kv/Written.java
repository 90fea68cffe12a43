package dev.cell.examples.kv;

/**
 * Outcome of a write.
 *
 * @param version  the key's version after it (the write's log index; 0 after a delete).
 * @param existed  whether the key existed before.
 * @param previous the value before (empty when it did not exist).
 */
public record Written(long version, boolean existed, byte[] previous)
{
}
