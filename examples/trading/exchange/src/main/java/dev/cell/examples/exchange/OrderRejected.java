package dev.cell.examples.exchange;

/**
 * The order broke a rule of the exchange.
 */
public final class OrderRejected extends ExchangeError
{
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final long price;
    private final long quantity;

    /**
     * @param reason   which rule.
     * @param price    the order's price.
     * @param quantity the order's quantity.
     */
    public OrderRejected(final String reason, final long price, final long quantity)
    {
        super("order rejected: " + reason + " (price " + price + ", quantity " + quantity + ")");
        this.reason = reason;
        this.price = price;
        this.quantity = quantity;
    }

    /**
     * @return which rule.
     */
    public String reason()
    {
        return reason;
    }

    /**
     * @return the order's price.
     */
    public long price()
    {
        return price;
    }

    /**
     * @return the order's quantity.
     */
    public long quantity()
    {
        return quantity;
    }
}
