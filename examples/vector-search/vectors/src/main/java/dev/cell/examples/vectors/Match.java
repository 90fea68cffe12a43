package dev.cell.examples.vectors;

/**
 * One result.
 *
 * @param query which query of the batch (0-based).
 * @param rank  0 for the best.
 * @param row   the vector's row (the order it was added in).
 * @param score cosine similarity, -1..1.
 */
public record Match(int query, int rank, int row, float score)
{
}
