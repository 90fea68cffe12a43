package dev.cell.examples.shop.catalog;

/**
 * @param sku   the article.
 * @param cents its unit price.
 */
public record Price(String sku, long cents)
{
}
