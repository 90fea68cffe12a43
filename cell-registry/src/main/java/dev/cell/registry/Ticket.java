package dev.cell.registry;

/**
 * The leader's admission of an announcement: what {@code grant} must carry.
 *
 * @param admittedMs   the leader's clock when it admitted it (epoch ms).
 * @param ticket       its signature.
 * @param ttlMs        a lease lives this long without a renewal.
 * @param renewEveryMs how often to renew.
 */
public record Ticket(long admittedMs, byte[] ticket, long ttlMs, long renewEveryMs)
{
}
