package dev.cell.registry;

/**
 * An expiry applied.
 *
 * @param removed leases removed (a lease renewed under a new grant stays).
 */
public record Expired(int removed)
{
}
