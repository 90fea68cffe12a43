package dev.cell.perf.jmh;

/**
 * Which side of the book an order is on.
 */
public enum Side
{
    /** Buy. */
    BUY,
    /** Sell. */
    SELL
}
