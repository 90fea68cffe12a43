package dev.cell.examples.exchange;

/**
 * How long an order's unfilled remainder lives.
 */
public enum TimeInForce
{
    /**
     * Good till cancelled: the remainder rests in the book.
     */
    GTC,

    /**
     * Immediate or cancel: the remainder is cancelled.
     */
    IOC
}
