package dev.cell.perf.jmh;

import java.util.List;

/**
 * A response with a repeating group.
 *
 * @param orderId   the order's id.
 * @param filled    quantity filled.
 * @param remaining quantity left.
 * @param fills     the executions.
 */
public record Ack(long orderId, long filled, long remaining, List<Fill> fills)
{
}
