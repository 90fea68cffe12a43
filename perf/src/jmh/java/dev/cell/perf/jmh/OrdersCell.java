package dev.cell.perf.jmh;

import dev.cell.runtime.Cell;

import java.util.List;

/**
 * The cell the codec and dispatcher microbenchmarks use for a realistic message: its handler does no work of its
 * own (it answers with a constant three-fill ack), so a dispatch measures decoding, the call and encoding.
 */
@Cell("orders")
public final class OrdersCell
{
    /**
     * The ack every order gets.
     */
    public static final Ack ACK = new Ack(42, 30, 70, List.of(
        new Fill(100, 10, 7), new Fill(100, 10, 8), new Fill(101, 10, 9)));

    /**
     * @param order an order.
     * @return {@link #ACK}.
     */
    public Ack place(final Order order)
    {
        return ACK;
    }
}
