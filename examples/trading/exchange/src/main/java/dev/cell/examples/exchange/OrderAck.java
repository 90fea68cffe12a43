package dev.cell.examples.exchange;

import java.util.List;

/**
 * The exchange's answer to a new order.
 *
 * @param orderId   id the exchange gave the order.
 * @param status    its state now.
 * @param filled    quantity executed.
 * @param remaining quantity still resting (0 unless RESTING or PARTIALLY_FILLED).
 * @param fills     executions, in matching order.
 */
public record OrderAck(long orderId, OrderStatus status, long filled, long remaining, List<Fill> fills)
{
}
