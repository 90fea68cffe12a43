package dev.cell.examples.shop.orders;

import dev.cell.runtime.CellError;

/**
 * The order cannot be taken.
 */
public final class NotForSale extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String sku;
    private final String reason;

    /**
     * @param sku    the article.
     * @param reason why.
     */
    public NotForSale(final String sku, final String reason)
    {
        super("cannot sell '" + sku + "': " + reason);
        this.sku = sku;
        this.reason = reason;
    }

    /**
     * @return the article.
     */
    public String sku()
    {
        return sku;
    }

    /**
     * @return why.
     */
    public String reason()
    {
        return reason;
    }
}
