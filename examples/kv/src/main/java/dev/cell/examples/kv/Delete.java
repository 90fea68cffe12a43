package dev.cell.examples.kv;

/**
 * Remove a key.
 *
 * @param key       the key.
 * @param requestId unique per logical write (0: not deduplicated).
 */
public record Delete(String key, long requestId)
{
}
