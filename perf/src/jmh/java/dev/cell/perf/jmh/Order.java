package dev.cell.perf.jmh;

/**
 * A request richer than {@code Ping}: two strings, an enum and fixed fields.
 *
 * @param symbol    the instrument.
 * @param side      buy or sell.
 * @param price     limit price.
 * @param quantity  how many.
 * @param clientTag the caller's reference.
 */
public record Order(String symbol, Side side, long price, long quantity, String clientTag)
{
}
