package dev.cell.examples.trader;

import dev.cell.examples.exchange.ExchangeClient;
import dev.cell.examples.exchange.ExchangeError;
import dev.cell.examples.exchange.Fill;
import dev.cell.examples.exchange.NewOrder;
import dev.cell.examples.exchange.OrderAck;
import dev.cell.examples.exchange.OrderRejected;
import dev.cell.examples.exchange.Side;
import dev.cell.examples.exchange.TimeInForce;
import dev.cell.examples.exchange.UnknownOrder;
import dev.cell.examples.exchange.UnknownSymbol;
import dev.cell.runtime.Cell;
import dev.cell.runtime.CellContext;
import dev.cell.runtime.CellException;
import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.log.CellLog;
import org.HdrHistogram.Histogram;

import java.util.SplittableRandom;

/**
 * A trader: places orders on the exchange through the generated {@code ExchangeClient}, logs its fills, measures
 * the round trip of every call and prints the percentiles. Ask it how it did with
 * {@code ./cell call trader stats '{}'}.
 */
@Cell("trader")
public final class Trader implements CellLifecycle
{
    private static final String[] SYMBOLS = {"ACME", "GLOBEX", "INITECH"};
    private static final int WARMUP_ORDERS = Integer.getInteger("trader.warmup", 20_000);
    private static final int MEASURED_ORDERS = Integer.getInteger("trader.orders", 100_000);
    private static final int LOGGED_FILLS = 10;

    private volatile TraderStats stats = new TraderStats(0, 0, 0, 0, 0, 0, 0);
    private volatile boolean running = true;
    private Thread loop;

    @Override
    public void onStart(final CellContext context)
    {
        loop = Thread.ofPlatform().name("trader-loop").daemon(true).start(() -> trade(context.log()));
    }

    @Override
    public void onStop()
    {
        running = false;
        if (loop != null)
        {
            loop.interrupt();
        }
    }

    /**
     * @return orders, fills, rejections and call latency so far.
     */
    public TraderStats stats()
    {
        return stats;
    }

    private void trade(final CellLog log)
    {
        // Both ends of the measured calls spin: two spinning threads, one per core on a 2-core machine.
        final ClientOptions options = ClientOptions.defaults().withIdleProfile(IdleProfile.SPIN).withClientName("trader");
        try (ExchangeClient exchange = ExchangeClient.connect(options))
        {
            log.info("trader.connected", "exchange", exchange.connection().instanceId());
            showTypedErrors(exchange, log);

            final SplittableRandom random = new SplittableRandom(42);
            final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
            run(exchange, random, histogram, WARMUP_ORDERS, log, false);
            histogram.reset();
            run(exchange, random, histogram, MEASURED_ORDERS, log, true);
            print(histogram);
            log.info("trader.done", "orders", stats.orders(), "fills", stats.fills(),
                "p50Us", stats.p50Ns() / 1000.0, "p99Us", stats.p99Ns() / 1000.0, "p999Us", stats.p999Ns() / 1000.0);
        }
        catch (final CellException ex)
        {
            log.error("trader.failed", "error", ex.getClass().getSimpleName(), "message", ex.getMessage());
        }
    }

    private void run(
        final ExchangeClient exchange,
        final SplittableRandom random,
        final Histogram histogram,
        final int orders,
        final CellLog log,
        final boolean measured)
    {
        long fills = stats.fills();
        long rejections = stats.rejections();
        long sent = stats.orders();
        for (int i = 0; i < orders && running; i++)
        {
            final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
            final long price = 100 + random.nextInt(-5, 6);
            final NewOrder order = new NewOrder(
                SYMBOLS[random.nextInt(SYMBOLS.length)], side, price, 1 + random.nextInt(100),
                random.nextInt(4) == 0 ? TimeInForce.IOC : TimeInForce.GTC, "t" + i);
            final long startNs = System.nanoTime();
            try
            {
                final OrderAck ack = exchange.placeOrder(order);
                histogram.recordValue(System.nanoTime() - startNs);
                for (final Fill fill : ack.fills())
                {
                    if (fills++ < LOGGED_FILLS)
                    {
                        log.info("trader.fill", "symbol", order.symbol(), "side", side, "orderId", ack.orderId(),
                            "price", fill.price(), "quantity", fill.quantity(), "against", fill.restingOrderId());
                    }
                }
            }
            catch (final UnknownSymbol | OrderRejected ex)
            {
                rejections++;
                log.warn("trader.rejected", "reason", ex.getMessage());
            }
            sent++;
            if (measured && (i & 1023) == 0)
            {
                stats = new TraderStats(sent, fills, rejections, histogram.getValueAtPercentile(50),
                    histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
            }
        }
        stats = new TraderStats(sent, fills, rejections, histogram.getValueAtPercentile(50),
            histogram.getValueAtPercentile(99), histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
    }

    private static void showTypedErrors(final ExchangeClient exchange, final CellLog log)
    {
        try
        {
            exchange.placeOrder(new NewOrder("NOPE", Side.BUY, 100, 1, TimeInForce.IOC, "probe"));
        }
        catch (final ExchangeError ex)
        {
            final String what = switch (ex)
            {
                case UnknownSymbol e -> "unknown symbol " + e.symbol();
                case OrderRejected e -> "rejected: " + e.reason();
                case UnknownOrder e -> "unknown order " + e.orderId();
            };
            log.info("trader.typed-error", "error", ex.getClass().getSimpleName(), "what", what);
        }
    }

    private static void print(final Histogram histogram)
    {
        System.out.printf(
            "trader: %,d placeOrder calls over a junction, round trip in microseconds:%n" +
            "  p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  p99.99 %.2f  max %.2f%n",
            histogram.getTotalCount(),
            histogram.getValueAtPercentile(50) / 1000.0,
            histogram.getValueAtPercentile(90) / 1000.0,
            histogram.getValueAtPercentile(99) / 1000.0,
            histogram.getValueAtPercentile(99.9) / 1000.0,
            histogram.getValueAtPercentile(99.99) / 1000.0,
            histogram.getMaxValue() / 1000.0);
        System.out.flush();
    }
}
