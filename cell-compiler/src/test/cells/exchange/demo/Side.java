package demo;

/**
 * Side of an order.
 */
enum Side
{
    BUY, SELL
}
