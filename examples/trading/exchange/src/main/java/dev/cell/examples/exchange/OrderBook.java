package dev.cell.examples.exchange;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A limit order book with price-time priority: better prices match first, and within a price the order that arrived
 * first matches first. Executions happen at the resting order's price.
 * <p>
 * <b>Note:</b> not thread safe; the exchange cell's single duty-cycle thread owns it.
 */
final class OrderBook
{
    private static final class Resting
    {
        final long orderId;
        final Side side;
        final long price;
        long remaining;

        Resting(final long orderId, final Side side, final long price, final long remaining)
        {
            this.orderId = orderId;
            this.side = side;
            this.price = price;
            this.remaining = remaining;
        }
    }

    private final String symbol;
    private final TreeMap<Long, ArrayDeque<Resting>> bids = new TreeMap<>(Collections.reverseOrder());
    private final TreeMap<Long, ArrayDeque<Resting>> asks = new TreeMap<>();
    private final Map<Long, Resting> byId = new HashMap<>();

    OrderBook(final String symbol)
    {
        this.symbol = symbol;
    }

    String symbol()
    {
        return symbol;
    }

    OrderAck submit(final long orderId, final NewOrder order)
    {
        final TreeMap<Long, ArrayDeque<Resting>> opposite = order.side() == Side.BUY ? asks : bids;
        final List<Fill> fills = new ArrayList<>(2);
        long remaining = order.quantity();
        final Iterator<Map.Entry<Long, ArrayDeque<Resting>>> levels = opposite.entrySet().iterator();
        while (remaining > 0 && levels.hasNext())
        {
            final Map.Entry<Long, ArrayDeque<Resting>> level = levels.next();
            final long levelPrice = level.getKey();
            if (order.side() == Side.BUY ? levelPrice > order.price() : levelPrice < order.price())
            {
                break;
            }
            final ArrayDeque<Resting> queue = level.getValue();
            while (remaining > 0 && !queue.isEmpty())
            {
                final Resting maker = queue.peekFirst();
                final long quantity = Math.min(remaining, maker.remaining);
                fills.add(new Fill(levelPrice, quantity, maker.orderId));
                remaining -= quantity;
                maker.remaining -= quantity;
                if (maker.remaining == 0)
                {
                    queue.pollFirst();
                    byId.remove(maker.orderId);
                }
            }
            if (queue.isEmpty())
            {
                levels.remove();
            }
        }

        final long filled = order.quantity() - remaining;
        if (remaining > 0 && order.timeInForce() == TimeInForce.GTC)
        {
            final Resting resting = new Resting(orderId, order.side(), order.price(), remaining);
            (order.side() == Side.BUY ? bids : asks)
                .computeIfAbsent(order.price(), p -> new ArrayDeque<>())
                .addLast(resting);
            byId.put(orderId, resting);
            final OrderStatus status = filled == 0 ? OrderStatus.RESTING : OrderStatus.PARTIALLY_FILLED;
            return new OrderAck(orderId, status, filled, remaining, fills);
        }
        final OrderStatus status = remaining == 0 ? OrderStatus.FILLED : OrderStatus.CANCELLED;
        return new OrderAck(orderId, status, filled, 0, fills);
    }

    /**
     * @return the quantity that was resting, or -1 when no such order rests.
     */
    long cancel(final long orderId)
    {
        final Resting resting = byId.remove(orderId);
        if (resting == null)
        {
            return -1;
        }
        final TreeMap<Long, ArrayDeque<Resting>> side = resting.side == Side.BUY ? bids : asks;
        final ArrayDeque<Resting> queue = side.get(resting.price);
        queue.remove(resting);
        if (queue.isEmpty())
        {
            side.remove(resting.price);
        }
        return resting.remaining;
    }

    BookSnapshot snapshot(final int depth)
    {
        return new BookSnapshot(symbol, levels(bids, depth), levels(asks, depth));
    }

    private static List<Level> levels(final TreeMap<Long, ArrayDeque<Resting>> side, final int depth)
    {
        final List<Level> levels = new ArrayList<>(Math.min(depth, side.size()));
        for (final Map.Entry<Long, ArrayDeque<Resting>> e : side.entrySet())
        {
            if (levels.size() == depth)
            {
                break;
            }
            long quantity = 0;
            for (final Resting r : e.getValue())
            {
                quantity += r.remaining;
            }
            levels.add(new Level(e.getKey(), quantity, e.getValue().size()));
        }
        return levels;
    }
}
