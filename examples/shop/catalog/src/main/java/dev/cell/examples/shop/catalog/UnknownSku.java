package dev.cell.examples.shop.catalog;

import dev.cell.runtime.CellError;

/**
 * The shop does not sell this article.
 */
public final class UnknownSku extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String sku;

    /**
     * @param sku the article asked for.
     */
    public UnknownSku(final String sku)
    {
        super("unknown article '" + sku + "'");
        this.sku = sku;
    }

    /**
     * @return the article asked for.
     */
    public String sku()
    {
        return sku;
    }
}
