package demo;

import java.util.List;

/**
 * An order.
 */
record NewOrder(String symbol, Side side, Money price, long quantity, List<Fill> fills, byte[] note)
{
}
