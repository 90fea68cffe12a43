package demo;

import dev.cell.compiler.DeepEquals;
import dev.cell.compiler.InMemoryConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Echoes random values of every wire type through the generated client and dispatcher, blocking and async.
 * Compiled and run by GeneratedCodeTest with a seed it prints.
 */
public final class ExchangeRandomRoundTrip implements LongConsumer
{
    private static final int ROUNDS = 300;

    private Random random;

    @Override
    public void accept(final long seed)
    {
        random = new Random(seed);
        try (ExchangeClient client = new ExchangeClient(new InMemoryConnection(new ExchangeBinding())))
        {
            for (int i = 0; i < ROUNDS; i++)
            {
                final Everything value = everything();
                final Everything back = random.nextBoolean() ? client.echo(value) : client.echoAsync(value).get();
                assertTrue(DeepEquals.equal(value, back), () -> "seed " + seed + ": " + value + " != " + back);

                final NewOrder order = new NewOrder(string(), side(), money(), 1 + random.nextInt(1_000_000),
                    fills(), bytes());
                final OrderAck ack = client.placeOrder(order);
                assertTrue(DeepEquals.equal(order, ack.order()), () -> "seed " + seed + ": " + order);
                final long a = random.nextInt(1000);
                final long b = random.nextLong(1_000_000);
                assertEquals(a + b + 5, client.add((int)a, b, new Money(5, 0)));
            }
        }
        catch (final Exception ex)
        {
            throw new AssertionError("seed " + seed, ex);
        }
    }

    private Everything everything()
    {
        return new Everything(random.nextBoolean(), (byte)random.nextInt(), (short)random.nextInt(),
            (char)random.nextInt(0x10000), random.nextInt(), random.nextLong(),
            Float.intBitsToFloat(random.nextInt()), Double.longBitsToDouble(random.nextLong()), side(), string(),
            bytes(), money(), fills(), new Extra(string(), tags(), side()));
    }

    private Side side()
    {
        return Side.values()[random.nextInt(Side.values().length)];
    }

    private Money money()
    {
        return new Money(random.nextLong(), random.nextInt());
    }

    private String string()
    {
        final StringBuilder sb = new StringBuilder();
        final int length = random.nextInt(12);
        for (int i = 0; i < length; i++)
        {
            int codePoint;
            do
            {
                codePoint = random.nextInt(4) == 0 ? random.nextInt(Character.MAX_CODE_POINT + 1) :
                    32 + random.nextInt(95);
            }
            while (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE);
            sb.appendCodePoint(codePoint);
        }
        return sb.toString();
    }

    private byte[] bytes()
    {
        final byte[] bytes = new byte[random.nextInt(40)];
        random.nextBytes(bytes);
        return bytes;
    }

    private List<Tag> tags()
    {
        final List<Tag> tags = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--)
        {
            tags.add(new Tag(string(), bytes()));
        }
        return tags;
    }

    private List<Fill> fills()
    {
        final List<Fill> fills = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--)
        {
            fills.add(new Fill(random.nextInt(), money(), tags(), string()));
        }
        return fills;
    }
}
