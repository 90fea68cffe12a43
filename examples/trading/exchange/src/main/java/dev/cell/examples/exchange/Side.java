package dev.cell.examples.exchange;

/**
 * Which side of the book an order is on.
 */
public enum Side
{
    BUY, SELL
}
