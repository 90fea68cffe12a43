package dev.cell.examples.shop.catalog;

/**
 * @param sku an article's code.
 */
public record Sku(String sku)
{
}
