package demo;

import demo.exchange.codecs.FailRequestEncoder;
import demo.exchange.codecs.MessageHeaderDecoder;
import demo.exchange.codecs.MessageHeaderEncoder;
import demo.exchange.codecs.PlaceOrderRequestEncoder;
import demo.exchange.codecs.UnknownSymbolDecoder;
import dev.cell.compiler.DeepEquals;
import dev.cell.compiler.InMemoryConnection;
import dev.cell.runtime.CellException;
import dev.cell.runtime.service.UnknownHandlerException;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.List;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls every handler of the sample cell through the generated client, an in-memory connection and the generated
 * dispatcher; then drives the dispatcher directly. Compiled and run by GeneratedCodeTest.
 */
public final class ExchangeRoundTrip implements Runnable
{
    @Override
    public void run()
    {
        try (ExchangeClient client = new ExchangeClient(new InMemoryConnection(new ExchangeBinding())))
        {
            blocking(client);
            async(client);
            flyweight(client);
        }
        catch (final Exception ex)
        {
            throw new AssertionError(ex);
        }
        dispatcher();
    }

    private static NewOrder order(final String symbol, final long quantity)
    {
        return new NewOrder(symbol, Side.SELL, new Money(12_345, 2), quantity, List.of(
            new Fill(1, new Money(5, 1), List.of(new Tag("a", new byte[] {1, 2}), new Tag("ü€", new byte[0])), "X"),
            new Fill(2, new Money(-6, 1), List.of(), "")), new byte[] {9, 8, 7});
    }

    private static void blocking(final ExchangeClient client) throws Exception
    {
        final NewOrder order = order("ACME", 10);
        final OrderAck ack = client.placeOrder(order);
        assertEquals(1, ack.orderId());
        assertTrue(DeepEquals.equal(order, ack.order()), () -> order + " != " + ack.order());
        assertEquals(2, client.placeOrder(order).orderId());

        final UnknownSymbol unknown = assertThrows(UnknownSymbol.class, () -> client.placeOrder(order("UNKNOWN", 1)));
        assertEquals("UNKNOWN", unknown.symbol());
        final OrderRejected rejected = assertThrows(OrderRejected.class, () -> client.placeOrder(order("A", -5)));
        assertEquals(RejectReason.QUANTITY, rejected.reason());
        assertEquals("quantity must be positive", rejected.detail());
        assertEquals(-5, rejected.value());

        assertEquals(6, client.add(1, 2, new Money(3, 0)));
        final ExchangeError error = assertThrows(ExchangeError.class, () -> client.add(-1, 0, new Money(0, 0)));
        final String which = switch (error)
        {
            case OrderRejected e -> "rejected " + e.reason() + " " + e.value();
            case UnknownSymbol e -> "unknown " + e.symbol();
        };
        assertEquals("rejected PRICE -1", which);
        assertEquals("unknown b-4", switch (assertThrows(ExchangeError.class, () -> client.add(1, -4, new Money(0, 0))))
        {
            case OrderRejected e -> "rejected " + e.reason();
            case UnknownSymbol e -> "unknown " + e.symbol();
        });

        client.ping();
        assertEquals(7, client.count());
        final List<Fill> fills = client.fills("S", 4);
        assertEquals(4, fills.size());
        assertEquals(3, fills.get(3).tags().size());
        assertArrayEquals(new byte[] {3, 2}, fills.get(3).tags().get(2).value());
        assertEquals("S@3", fills.get(3).venue());
        assertEquals(300, fills.get(3).price().units());

        // null String, byte[], List and enum: sent as "", empty, empty and NULL_VAL.
        final Everything nulls = client.echo(new Everything(true, (byte)-1, (short)-2, '\uffff', -3, Long.MIN_VALUE,
            Float.NaN, -0.0, null, null, null, new Money(1, 1), null, new Extra(null, null, null)));
        assertEquals("", nulls.text());
        assertEquals(0, nulls.bytes().length);
        assertTrue(nulls.fills().isEmpty());
        assertNull(nulls.side());
        assertEquals("", nulls.extra().note());
        assertTrue(nulls.extra().tags().isEmpty());
        assertNull(nulls.extra().side2());
        assertEquals('\uffff', nulls.c());
        assertTrue(Float.isNaN(nulls.f()));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(nulls.d()));

        final NullPointerException npe = assertThrows(NullPointerException.class, () -> client.add(1, 2, null));
        assertTrue(npe.getMessage().contains("m must not be null"), npe.getMessage());

        final CellException.HandlerFailed failed =
            assertThrows(CellException.HandlerFailed.class, () -> client.fail("boom"));
        assertTrue(failed.getMessage().contains("boom"), failed.getMessage());
    }

    private static void async(final ExchangeClient client) throws Exception
    {
        assertEquals(6L, client.addAsync(1, 2, new Money(3, 0)).get());
        assertNull(client.pingAsync().get());
        assertEquals(7, client.countAsync().get());
        final ExecutionException unknown =
            assertThrows(ExecutionException.class, () -> client.placeOrderAsync(order("UNKNOWN", 1)).get());
        assertEquals("UNKNOWN", assertInstanceOf(UnknownSymbol.class, unknown.getCause()).symbol());
        final ExecutionException failed = assertThrows(ExecutionException.class, () -> client.failAsync("x").get());
        assertInstanceOf(CellException.HandlerFailed.class, failed.getCause());
        final NewOrder order = order("ASYNC", 3);
        assertTrue(DeepEquals.equal(order, client.placeOrderAsync(order).get().order()));
    }

    private static void flyweight(final ExchangeClient client) throws Exception
    {
        final ExchangeClient.Flyweight flyweight = client.flyweight();
        assertSame(flyweight, client.flyweight());
        flyweight.addRequest().a(1).b(2).mUnits(3).mScale(0);
        assertEquals(6, flyweight.add().value());
        assertThrows(IllegalStateException.class, flyweight::add);

        final PlaceOrderRequestEncoder request = flyweight.placeOrderRequest()
            .side(demo.exchange.codecs.Side.BUY)
            .priceUnits(1)
            .priceScale(0)
            .quantity(5);
        request.fillsCount(0);
        request.symbol("UNKNOWN");
        request.putNote(new byte[0], 0, 0);
        assertEquals("UNKNOWN", assertThrows(UnknownSymbol.class, flyweight::placeOrder).symbol());
        assertTrue(flyweight.reply().isError());

        flyweight.placeOrderRequest().side(demo.exchange.codecs.Side.BUY).priceUnits(1).priceScale(0).quantity(5)
            .fillsCount(0);
        flyweight.placeOrderRequest();
        final PlaceOrderRequestEncoder again = flyweight.placeOrderRequest()
            .side(demo.exchange.codecs.Side.SELL).priceUnits(7).priceScale(1).quantity(9);
        again.fillsCount(0);
        again.symbol("FLY");
        again.putNote(new byte[] {1}, 0, 1);
        final demo.exchange.codecs.PlaceOrderResponseDecoder ack = flyweight.placeOrder();
        assertEquals(demo.exchange.codecs.Side.SELL, ack.orderSide());
        assertEquals(9, ack.orderQuantity());
    }

    private static void dispatcher()
    {
        final ExchangeDispatcher dispatcher = new ExchangeDispatcher(new Exchange());
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final ExpandableArrayBuffer out = new ExpandableArrayBuffer(64);
        final MessageHeaderEncoder header = new MessageHeaderEncoder();

        header.wrap(buffer, 0).blockLength(0).templateId(999).schemaId(ExchangeBinding.SCHEMA_ID).version(0);
        assertThrows(UnknownHandlerException.class, () -> dispatcher.dispatch(buffer, 0, 8, out, 0));
        header.wrap(buffer, 0).blockLength(0).templateId(FailRequestEncoder.TEMPLATE_ID).schemaId(7001).version(0);
        assertThrows(UnknownHandlerException.class, () -> dispatcher.dispatch(buffer, 0, 8, out, 0));
        assertThrows(IllegalArgumentException.class, () -> dispatcher.dispatch(buffer, 0, 4, out, 0));

        // An undeclared exception propagates out of the dispatcher.
        final FailRequestEncoder fail = new FailRequestEncoder().wrapAndApplyHeader(buffer, 0, header).message("x");
        final int failLength = MessageHeaderEncoder.ENCODED_LENGTH + fail.encodedLength();
        assertEquals("x", assertThrows(IllegalStateException.class,
            () -> dispatcher.dispatch(buffer, 0, failLength, out, 0)).getMessage());

        // A declared error comes back as a negative length and the error's message.
        final PlaceOrderRequestEncoder order = new PlaceOrderRequestEncoder().wrapAndApplyHeader(buffer, 16, header)
            .side(demo.exchange.codecs.Side.BUY).priceUnits(1).priceScale(0).quantity(1);
        order.fillsCount(0);
        order.symbol("UNKNOWN");
        order.putNote(new byte[0], 0, 0);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + order.encodedLength();
        final int reply = dispatcher.dispatch(buffer, 16, length, out, 8);
        assertTrue(reply < 0);
        final UnknownSymbolDecoder decoder =
            new UnknownSymbolDecoder().wrapAndApplyHeader(out, 8, new MessageHeaderDecoder());
        assertEquals("UNKNOWN", decoder.symbol());
        assertEquals(-reply, MessageHeaderEncoder.ENCODED_LENGTH + decoder.encodedLength());

        // A truncated request fails to decode: the dispatcher reads only the given length.
        assertThrows(IndexOutOfBoundsException.class, () -> dispatcher.dispatch(buffer, 16, length - 2, out, 0));
    }
}
