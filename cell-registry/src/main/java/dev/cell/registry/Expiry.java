package dev.cell.registry;

import java.util.List;

/**
 * Leases the leader expired (they missed their renewals), in one entry.
 *
 * @param leaderMs  the leader's clock (epoch ms).
 * @param signer    the registry key that signed it.
 * @param signature Ed25519 over {@link RegistrySignatures#expiry}.
 * @param leases    the leases.
 */
public record Expiry(long leaderMs, String signer, byte[] signature, List<ExpiredLease> leases)
{
}
