package demo;

/**
 * The order was refused.
 */
public final class OrderRejected extends ExchangeError
{
    private static final long serialVersionUID = 1L;

    private final RejectReason reason;
    private final String detail;
    private final long value;

    public OrderRejected(final RejectReason reason, final String detail, final long value)
    {
        super("rejected (" + reason + "): " + detail);
        this.reason = reason;
        this.detail = detail;
        this.value = value;
    }

    public RejectReason reason()
    {
        return reason;
    }

    public String detail()
    {
        return detail;
    }

    public long value()
    {
        return value;
    }
}
