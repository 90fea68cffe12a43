package dev.cell.examples.exchange;

/**
 * Cancel a resting order.
 *
 * @param symbol  instrument.
 * @param orderId the order.
 */
public record CancelOrder(String symbol, long orderId)
{
}
