package dev.cell.examples.kv;

/**
 * An empty request.
 */
public record Nothing()
{
}
