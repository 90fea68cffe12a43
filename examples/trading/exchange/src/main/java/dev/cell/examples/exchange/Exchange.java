package dev.cell.examples.exchange;

import dev.cell.runtime.Cell;
import dev.cell.runtime.CellContext;
import dev.cell.runtime.CellLifecycle;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small exchange: one order book per listed symbol, price-time priority matching.
 * <p>
 * Handlers run on the instance's single duty-cycle thread, so the books need no locks.
 */
@Cell("exchange")
public final class Exchange implements CellLifecycle
{
    /**
     * Symbols listed when the cell starts.
     */
    public static final List<String> LISTED = List.of("ACME", "GLOBEX", "INITECH");

    /**
     * Highest quantity one order may carry.
     */
    public static final long MAX_QUANTITY = 1_000_000;

    private final Map<String, OrderBook> books = new LinkedHashMap<>();
    private long nextOrderId = 1;

    /**
     * An exchange listing {@link #LISTED}.
     */
    public Exchange()
    {
        for (final String symbol : LISTED)
        {
            books.put(symbol, new OrderBook(symbol));
        }
    }

    @Override
    public void onStart(final CellContext context)
    {
        context.log().info("exchange.listed", "symbols", LISTED);
    }

    /**
     * Match a limit order against the book; the remainder rests (GTC) or is cancelled (IOC).
     *
     * @param order the order.
     * @return the order's id, state and fills.
     * @throws UnknownSymbol  when the symbol is not listed.
     * @throws OrderRejected  when price or quantity are out of range.
     */
    public OrderAck placeOrder(final NewOrder order) throws UnknownSymbol, OrderRejected
    {
        final OrderBook book = book(order.symbol());
        if (order.quantity() <= 0 || order.quantity() > MAX_QUANTITY)
        {
            throw new OrderRejected("quantity must be in 1.." + MAX_QUANTITY, order.price(), order.quantity());
        }
        if (order.price() <= 0)
        {
            throw new OrderRejected("price must be positive", order.price(), order.quantity());
        }
        return book.submit(nextOrderId++, order);
    }

    /**
     * Cancel a resting order.
     *
     * @param cancel which order.
     * @return how much was cancelled.
     * @throws UnknownSymbol when the symbol is not listed.
     * @throws UnknownOrder  when no such order rests (never existed, filled or cancelled already).
     */
    public CancelAck cancelOrder(final CancelOrder cancel) throws UnknownSymbol, UnknownOrder
    {
        final long cancelled = book(cancel.symbol()).cancel(cancel.orderId());
        if (cancelled < 0)
        {
            throw new UnknownOrder(cancel.orderId());
        }
        return new CancelAck(cancel.orderId(), cancelled);
    }

    /**
     * The best levels of a book.
     *
     * @param query symbol and depth.
     * @return bids and asks, best first.
     * @throws UnknownSymbol when the symbol is not listed.
     */
    public BookSnapshot book(final BookQuery query) throws UnknownSymbol
    {
        return book(query.symbol()).snapshot(Math.clamp(query.depth(), 1, 100));
    }

    private OrderBook book(final String symbol) throws UnknownSymbol
    {
        final OrderBook book = books.get(symbol);
        if (book == null)
        {
            throw new UnknownSymbol(symbol);
        }
        return book;
    }
}
