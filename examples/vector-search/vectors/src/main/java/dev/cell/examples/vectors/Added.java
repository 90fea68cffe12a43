package dev.cell.examples.vectors;

/**
 * What an add did.
 *
 * @param first the row of the first vector added.
 * @param rows  vectors the index now holds.
 */
public record Added(int first, int rows)
{
}
