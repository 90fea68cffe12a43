package dev.cell.examples.vectors;

/**
 * Vectors to add, all of one length.
 *
 * @param dim    floats per vector (the first batch fixes it for the index).
 * @param values the vectors one after another, little-endian float32.
 */
public record Embeddings(int dim, byte[] values)
{
}
