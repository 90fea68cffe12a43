package dev.cell.registry;

/**
 * Which instances to list.
 *
 * @param cell        the cell's name.
 * @param version     one version only (empty: all).
 * @param fingerprint one genome only (empty: all; needs a version).
 */
public record Lookup(String cell, String version, String fingerprint)
{
}
