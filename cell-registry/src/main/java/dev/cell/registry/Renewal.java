package dev.cell.registry;

/**
 * A lease renewal, with the load the instance reports. Kept by the leader in memory: no log entry.
 *
 * @param cell           the cell's name.
 * @param instanceId     the instance.
 * @param grantIndex     the lease.
 * @param nonce          the nonce of its announcement.
 * @param p50Us          median service time, microseconds.
 * @param p99Us          99th percentile service time, microseconds.
 * @param queueDepth     requests waiting.
 * @param callsPerSecond calls served per second.
 */
public record Renewal(
    String cell, String instanceId, long grantIndex, byte[] nonce, int p50Us, int p99Us, int queueDepth,
    int callsPerSecond)
{
}
