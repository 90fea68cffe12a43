package dev.cell.examples.shop.catalog;

import dev.cell.runtime.Cell;

import java.util.Map;

/**
 * Prices of what the shop sells.
 */
@Cell("catalog")
public final class Catalog
{
    private static final Map<String, Long> PRICES = Map.of("apple", 50L, "pear", 70L, "melon", 300L);

    /**
     * @param sku an article.
     * @return its price.
     * @throws UnknownSku when the shop does not sell it.
     */
    public Price price(final Sku sku) throws UnknownSku
    {
        final Long cents = PRICES.get(sku.sku());
        if (cents == null)
        {
            throw new UnknownSku(sku.sku());
        }
        return new Price(sku.sku(), cents);
    }
}
