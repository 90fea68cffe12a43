package dev.cell.examples.exchange;

import java.util.List;

/**
 * The top of a book.
 *
 * @param symbol instrument.
 * @param bids   best (highest) first.
 * @param asks   best (lowest) first.
 */
public record BookSnapshot(String symbol, List<Level> bids, List<Level> asks)
{
}
