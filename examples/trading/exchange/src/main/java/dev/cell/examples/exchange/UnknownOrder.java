package dev.cell.examples.exchange;

/**
 * No resting order with that id.
 */
public final class UnknownOrder extends ExchangeError
{
    private static final long serialVersionUID = 1L;

    private final long orderId;

    /**
     * @param orderId the id asked for.
     */
    public UnknownOrder(final long orderId)
    {
        super("no resting order " + orderId);
        this.orderId = orderId;
    }

    /**
     * @return the id asked for.
     */
    public long orderId()
    {
        return orderId;
    }
}
