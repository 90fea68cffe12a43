package dev.cell.registry;

/**
 * One lease the leader expired.
 *
 * @param cell       the cell's name.
 * @param instanceId the instance.
 * @param grantIndex the lease.
 */
public record ExpiredLease(String cell, String instanceId, long grantIndex)
{
}
