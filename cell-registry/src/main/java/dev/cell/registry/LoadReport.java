package dev.cell.registry;

/**
 * One lease's load and renewal, as the leader last heard.
 *
 * @param cell           the cell's name.
 * @param instanceId     the instance.
 * @param grantIndex     the lease.
 * @param p50Us          median service time, microseconds.
 * @param p99Us          99th percentile, microseconds.
 * @param queueDepth     requests waiting.
 * @param callsPerSecond calls per second.
 * @param renewedAgoMs   ms since its last renewal at {@code leaderMs}; -1 when none since this leader was elected.
 */
public record LoadReport(
    String cell, String instanceId, long grantIndex, int p50Us, int p99Us, int queueDepth, int callsPerSecond,
    long renewedAgoMs)
{
}
