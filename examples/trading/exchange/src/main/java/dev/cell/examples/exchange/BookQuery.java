package dev.cell.examples.exchange;

/**
 * Ask for the top of a book.
 *
 * @param symbol instrument.
 * @param depth  how many levels per side (1..100).
 */
public record BookQuery(String symbol, int depth)
{
}
