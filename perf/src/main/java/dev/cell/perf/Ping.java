package dev.cell.perf;

/**
 * A small request: 16 bytes of payload.
 *
 * @param sequence  a counter.
 * @param timestamp the sender's clock.
 */
public record Ping(long sequence, long timestamp)
{
}
