package dev.cell.examples.exchange;

/**
 * A limit order.
 *
 * @param symbol      instrument, e.g. "ACME".
 * @param side        buy or sell.
 * @param price       limit price in ticks (> 0).
 * @param quantity    quantity (> 0).
 * @param timeInForce what happens to the unfilled remainder.
 * @param clientTag   free text the trader uses to recognise its order.
 */
public record NewOrder(String symbol, Side side, long price, long quantity, TimeInForce timeInForce, String clientTag)
{
}
