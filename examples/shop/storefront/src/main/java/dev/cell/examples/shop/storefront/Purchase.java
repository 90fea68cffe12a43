package dev.cell.examples.shop.storefront;

/**
 * @param customer who buys (their ledger account).
 * @param sku      what.
 * @param quantity how many.
 */
public record Purchase(String customer, String sku, long quantity)
{
}
