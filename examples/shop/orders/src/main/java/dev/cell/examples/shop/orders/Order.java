package dev.cell.examples.shop.orders;

/**
 * @param account  who pays.
 * @param sku      what.
 * @param quantity how many.
 */
public record Order(String account, String sku, long quantity)
{
}
