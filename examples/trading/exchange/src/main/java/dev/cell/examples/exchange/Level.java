package dev.cell.examples.exchange;

/**
 * One price level of a book.
 *
 * @param price    price in ticks.
 * @param quantity total resting quantity.
 * @param orders   number of resting orders.
 */
public record Level(long price, long quantity, int orders)
{
}
