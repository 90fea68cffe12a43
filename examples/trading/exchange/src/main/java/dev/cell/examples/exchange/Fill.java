package dev.cell.examples.exchange;

/**
 * One execution between the incoming order and a resting one.
 *
 * @param price         execution price (the resting order's).
 * @param quantity      executed quantity.
 * @param restingOrderId the order that was in the book.
 */
public record Fill(long price, long quantity, long restingOrderId)
{
}
