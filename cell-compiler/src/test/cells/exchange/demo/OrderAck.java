package demo;

/**
 * An acknowledged order.
 */
record OrderAck(long orderId, NewOrder order)
{
}
