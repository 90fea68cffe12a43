package dev.cell.registry;

/**
 * A cell name.
 *
 * @param cell the name.
 */
public record Name(String cell)
{
}
