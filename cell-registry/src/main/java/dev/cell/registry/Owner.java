package dev.cell.registry;

/**
 * One identity that may use a cell name.
 *
 * @param key a public identity ({@code ed25519:...}).
 */
public record Owner(String key)
{
}
