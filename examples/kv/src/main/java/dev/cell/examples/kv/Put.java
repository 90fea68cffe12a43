package dev.cell.examples.kv;

/**
 * Set a key.
 *
 * @param key       the key.
 * @param value     its new value.
 * @param requestId unique per logical write (0: not deduplicated); a retry with the same id applies once.
 */
public record Put(String key, byte[] value, long requestId)
{
}
