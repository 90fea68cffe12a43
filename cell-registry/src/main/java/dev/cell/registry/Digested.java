package dev.cell.registry;

/**
 * A digest applied.
 *
 * @param updated leases whose load was updated.
 */
public record Digested(int updated)
{
}
