package dev.cell.examples.exchange;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ExchangeTest
{
    private final Exchange exchange = new Exchange();

    @Test
    void shouldMatchAtBestPriceThenByArrival() throws Exception
    {
        final long a = place(Side.SELL, 101, 10).orderId();
        final long b = place(Side.SELL, 100, 5).orderId();
        final long c = place(Side.SELL, 100, 5).orderId();

        final OrderAck ack = place(Side.BUY, 101, 12);

        assertEquals(OrderStatus.FILLED, ack.status());
        assertEquals(List.of(new Fill(100, 5, b), new Fill(100, 5, c), new Fill(101, 2, a)), ack.fills());
        assertEquals(List.of(new Level(101, 8, 1)), exchange.book(new BookQuery("ACME", 5)).asks());
    }

    @Test
    void shouldRestRemainderOfGtcAndCancelRemainderOfIoc() throws Exception
    {
        place(Side.SELL, 100, 3);

        final OrderAck gtc = place(Side.BUY, 100, 5);
        assertEquals(OrderStatus.PARTIALLY_FILLED, gtc.status());
        assertEquals(2, gtc.remaining());

        final OrderAck ioc = exchange.placeOrder(new NewOrder("ACME", Side.SELL, 99, 4, TimeInForce.IOC, "x"));
        assertEquals(OrderStatus.CANCELLED, ioc.status());
        assertEquals(2, ioc.filled());
        assertEquals(List.of(), exchange.book(new BookQuery("ACME", 5)).bids());
    }

    @Test
    void shouldNotCrossWhenPricesDoNotMeet() throws Exception
    {
        place(Side.SELL, 102, 1);
        final OrderAck ack = place(Side.BUY, 101, 1);
        assertEquals(OrderStatus.RESTING, ack.status());
        final BookSnapshot book = exchange.book(new BookQuery("ACME", 5));
        assertEquals(List.of(new Level(101, 1, 1)), book.bids());
        assertEquals(List.of(new Level(102, 1, 1)), book.asks());
    }

    @Test
    void shouldCancelRestingOrderOnce() throws Exception
    {
        final long id = place(Side.BUY, 99, 7).orderId();
        assertEquals(new CancelAck(id, 7), exchange.cancelOrder(new CancelOrder("ACME", id)));
        final UnknownOrder again = assertThrows(UnknownOrder.class,
            () -> exchange.cancelOrder(new CancelOrder("ACME", id)));
        assertEquals(id, again.orderId());
    }

    @Test
    void shouldRejectWithTypedErrors()
    {
        final UnknownSymbol unknown = assertThrows(UnknownSymbol.class,
            () -> exchange.placeOrder(new NewOrder("NOPE", Side.BUY, 1, 1, TimeInForce.GTC, "")));
        assertEquals("NOPE", unknown.symbol());
        final OrderRejected rejected = assertThrows(OrderRejected.class, () -> place(Side.BUY, 0, 1));
        assertEquals(0, rejected.price());
        assertThrows(OrderRejected.class, () -> place(Side.BUY, 1, Exchange.MAX_QUANTITY + 1));
    }

    private OrderAck place(final Side side, final long price, final long quantity) throws ExchangeError
    {
        return exchange.placeOrder(new NewOrder("ACME", side, price, quantity, TimeInForce.GTC, "test"));
    }
}
