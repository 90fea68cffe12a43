package dev.cell.registry;

/**
 * A revocation applied.
 *
 * @param removed true when the lease was live and is gone.
 */
public record Revoked(boolean removed)
{
}
