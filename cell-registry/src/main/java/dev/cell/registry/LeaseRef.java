package dev.cell.registry;

/**
 * One lease, by its instance and grant.
 *
 * @param cell       the cell's name.
 * @param instanceId the instance.
 * @param grantIndex the lease.
 */
public record LeaseRef(String cell, String instanceId, long grantIndex)
{
}
