package dev.cell.examples.exchange;

/**
 * A cancelled order.
 *
 * @param orderId   the order.
 * @param cancelled quantity that was still resting.
 */
public record CancelAck(long orderId, long cancelled)
{
}
