package dev.cell.perf;

/**
 * The request of the junction benchmarks: 32 bytes of payload, the message size every path of the comparison suite
 * carries.
 *
 * @param sequence  a counter.
 * @param timestamp the sender's clock.
 * @param tag       a caller's value.
 * @param value     another caller's value.
 */
public record Ping(long sequence, long timestamp, long tag, long value)
{
}
