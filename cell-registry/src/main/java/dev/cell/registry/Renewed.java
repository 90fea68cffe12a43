package dev.cell.registry;

/**
 * A renewal taken.
 *
 * @param ttlMs        the lease lives this long without a renewal.
 * @param renewEveryMs how often to renew.
 */
public record Renewed(long ttlMs, long renewEveryMs)
{
}
