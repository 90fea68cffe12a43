package dev.cell.registry;

/**
 * A clean stop: the instance ends its lease at once.
 *
 * @param cell       the cell's name.
 * @param instanceId the instance.
 * @param grantIndex the lease.
 * @param issuedMs   when it signed this.
 * @param signature  Ed25519 over {@link RegistrySignatures#revocation}, by the lease's identity.
 */
public record Revocation(String cell, String instanceId, long grantIndex, long issuedMs, byte[] signature)
{
}
