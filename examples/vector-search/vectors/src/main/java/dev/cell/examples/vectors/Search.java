package dev.cell.examples.vectors;

/**
 * A batch of top-k cosine-similarity queries.
 *
 * @param k       results per query (1..{@link Vectors#MAX_K}).
 * @param queries the query vectors one after another, little-endian float32, of the index's length.
 */
public record Search(int k, byte[] queries)
{
}
