package dev.cell.runtime.service;

import dev.cell.runtime.identity.Identity;

import java.nio.file.Path;
import java.util.Set;

/**
 * How an instance takes remote callers over an axon ({@code [axon]} and {@code [auth]} of its {@code cell.toml}).
 *
 * @param listen       the UDP endpoint to listen on, {@code host:port} (port 0: ephemeral).
 * @param plaintext    true to take only plaintext sessions (measurements); false: only encrypted ones.
 * @param allowedKeys  identities that may call; empty: any identity that proves itself.
 * @param identityFile the instance's identity key; null for {@code <cellDir>/.cell/identity/cell.key}.
 * @param advertise    the {@code host:port} registered for callers instead of the bound endpoint (they reach it
 *                     through a NAT, a port forward or a relay), or null.
 * @since 0.2
 */
public record AxonOptions(String listen, boolean plaintext, Set<String> allowedKeys, Path identityFile,
    String advertise)
{
    /**
     * Registered at the bound endpoint.
     *
     * @param listen       the UDP endpoint to listen on.
     * @param plaintext    true to take only plaintext sessions.
     * @param allowedKeys  identities that may call; empty: any.
     * @param identityFile the identity key, or null for the cell's.
     */
    public AxonOptions(final String listen, final boolean plaintext, final Set<String> allowedKeys,
        final Path identityFile)
    {
        this(listen, plaintext, allowedKeys, identityFile, null);
    }

    /**
     * Canonical constructor: checks every key.
     */
    public AxonOptions
    {
        allowedKeys = Set.copyOf(allowedKeys);
        for (final String key : allowedKeys)
        {
            if (!Identity.isPublicId(key))
            {
                throw new IllegalArgumentException("allowed key '" + key + "' is not a public identity (ed25519:...)");
            }
        }
        if (plaintext && !allowedKeys.isEmpty())
        {
            throw new IllegalArgumentException("a plaintext axon proves no identity, so it cannot check allowed keys");
        }
    }

    /**
     * @param cellDir the cell's folder.
     * @return the identity key file instances of the cell use.
     */
    public static Path identityFileOf(final Path cellDir)
    {
        return cellDir.resolve(".cell").resolve("identity").resolve("cell.key");
    }
}
