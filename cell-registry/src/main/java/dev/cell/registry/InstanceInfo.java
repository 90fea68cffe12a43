package dev.cell.registry;

/**
 * A live instance.
 *
 * @param cell           the cell's name.
 * @param version        its contract version.
 * @param fingerprint    its genome fingerprint.
 * @param instanceId     its id.
 * @param host           its host.
 * @param region         its region label.
 * @param junction       its run folder on its host (empty: none).
 * @param axon           its axon endpoint (empty: none).
 * @param identity       the key it proves.
 * @param grantIndex     its lease.
 * @param grantedMs      when the lease was granted (leader clock).
 * @param p50Us          reported median service time, microseconds.
 * @param p99Us          reported 99th percentile.
 * @param queueDepth     reported queue depth.
 * @param callsPerSecond reported calls per second.
 * @param lastRenewalMs  its last renewal the leader reported in a digest (leader clock; 0: none yet).
 */
public record InstanceInfo(
    String cell, String version, String fingerprint, String instanceId, String host, String region, String junction,
    String axon, String identity, long grantIndex, long grantedMs, int p50Us, int p99Us, int queueDepth,
    int callsPerSecond, long lastRenewalMs)
{
}
