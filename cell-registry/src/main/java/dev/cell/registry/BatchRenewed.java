package dev.cell.registry;

import java.util.List;

/**
 * What a batch of renewals did.
 *
 * @param ttlMs        a lease lives this long without a renewal.
 * @param renewEveryMs how often to renew.
 * @param renewed      how many leases were renewed.
 * @param unknown      the leases no live lease matched (their instances announce again).
 */
public record BatchRenewed(long ttlMs, long renewEveryMs, int renewed, List<LeaseRef> unknown)
{
}
