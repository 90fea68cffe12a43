package dev.cell.registry;

/**
 * A granted lease.
 *
 * @param grantIndex the log index of the grant: the lease's id.
 * @param grantedMs  the ticket's time (leader clock).
 */
public record Lease(long grantIndex, long grantedMs)
{
}
