package dev.cell.registry;

/**
 * A release for the registry to agree on: the owner's signed {@code Cell.json} exactly as signed, so that every
 * replica checks the owner's signature itself and nobody but the owner can put a hash there. Anyone holding it may
 * send it (the owner's host after {@code cell release}, a consumer's host after it verified a spawn).
 *
 * @param manifest  the {@code Cell.json} text as signed (format {@code cell-manifest/1}).
 * @param signer    the owner's public identity.
 * @param signature Ed25519 over {@link RegistrySignatures#manifest(String)}.
 */
public record ReleaseRecord(String manifest, String signer, byte[] signature)
{
}
