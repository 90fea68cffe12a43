package demo;

import dev.cell.runtime.Cell;
import dev.cell.runtime.CellLifecycle;

import java.util.ArrayList;
import java.util.List;

/**
 * A sample cell covering every supported wire type; compiled by the tests with the processor.
 */
@Cell(value = "exchange", version = "1.4.2")
public final class Exchange implements CellLifecycle
{
    private long nextId = 1;

    /**
     * @param order an order.
     * @return its acknowledgement, echoing the order.
     * @throws UnknownSymbol  for symbol "UNKNOWN".
     * @throws OrderRejected  for a quantity that is not positive.
     */
    public OrderAck placeOrder(final NewOrder order) throws UnknownSymbol, OrderRejected
    {
        if (order.symbol().equals("UNKNOWN"))
        {
            throw new UnknownSymbol(order.symbol());
        }
        if (order.quantity() <= 0)
        {
            throw new OrderRejected(RejectReason.QUANTITY, "quantity must be positive", order.quantity());
        }
        return new OrderAck(nextId++, order);
    }

    /**
     * @param value anything.
     * @return the same.
     */
    public Everything echo(final Everything value)
    {
        return value;
    }

    /**
     * @param a a.
     * @param b b.
     * @param m m.
     * @return a + b + m.units.
     * @throws ExchangeError OrderRejected when a is negative, UnknownSymbol when b is negative.
     */
    public long add(final int a, final long b, final Money m) throws ExchangeError
    {
        if (a < 0)
        {
            throw new OrderRejected(RejectReason.PRICE, "negative a", a);
        }
        if (b < 0)
        {
            throw new UnknownSymbol("b" + b);
        }
        return a + b + m.units();
    }

    /**
     * Nothing in, nothing out.
     */
    public void ping()
    {
    }

    /**
     * @return a constant.
     */
    public int count()
    {
        return 7;
    }

    /**
     * @param symbol a symbol.
     * @param count  how many fills.
     * @return that many fills, each with nested tags.
     */
    public List<Fill> fills(final String symbol, final int count)
    {
        final List<Fill> fills = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final List<Tag> tags = new ArrayList<>();
            for (int j = 0; j < i; j++)
            {
                tags.add(new Tag("k" + j, new byte[] {(byte)i, (byte)j}));
            }
            fills.add(new Fill(i, new Money(100L * i, 2), tags, symbol + "@" + i));
        }
        return fills;
    }

    /**
     * @param message what to fail with.
     * @return never.
     */
    public String fail(final String message)
    {
        throw new IllegalStateException(message);
    }
}
