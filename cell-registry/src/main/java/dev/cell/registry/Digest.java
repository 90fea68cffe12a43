package dev.cell.registry;

import java.util.List;

/**
 * The leader's periodic entry: every live lease's reported load, and a clock stamp that tells a replica how fresh it
 * is.
 *
 * @param leaderMs  the leader's clock (epoch ms).
 * @param signer    the registry key that signed it.
 * @param signature Ed25519 over {@link RegistrySignatures#digest}.
 * @param loads     the loads.
 */
public record Digest(long leaderMs, String signer, byte[] signature, List<LoadReport> loads)
{
}
