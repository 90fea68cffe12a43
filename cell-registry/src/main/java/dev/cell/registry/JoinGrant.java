package dev.cell.registry;

/**
 * What a joining host gets: its slot and the registry group's files (definition, secrets, the registry key).
 *
 * @param slot            its replica slot, a listener.
 * @param groupProperties the group file, with the joiner in it.
 * @param groupSecret     the entry key.
 * @param tlsKey          the group's TLS key.
 * @param tlsCertificate  the group's TLS certificate.
 * @param registryKey     the registry key every replica shares (signs tickets, expiries, digests).
 * @param cellToml        the registry folder's {@code cell.toml}.
 */
public record JoinGrant(
    int slot, byte[] groupProperties, byte[] groupSecret, byte[] tlsKey, byte[] tlsCertificate, byte[] registryKey,
    byte[] cellToml)
{
}
