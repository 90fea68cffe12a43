package dev.cell.registry;

/**
 * Which instances to list.
 *
 * @param cell         the cell's name.
 * @param version      one version only (empty: all).
 * @param fingerprint  one genome only (empty: all; needs a version).
 * @param after        where the previous page ended ({@link Instances#next()}; empty: from the start).
 * @param maxInstances most instances in this page (0 or more than 500: 500; a page also ends near 64 KiB).
 */
public record Lookup(String cell, String version, String fingerprint, String after, int maxInstances)
{
}
