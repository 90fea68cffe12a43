package dev.cell.perf.jmh;

/**
 * One execution, an entry of a repeating group.
 *
 * @param price          where it traded.
 * @param quantity       how many.
 * @param restingOrderId the order it traded against.
 */
public record Fill(long price, long quantity, long restingOrderId)
{
}
