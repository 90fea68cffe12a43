package dev.cell.systemtest;

import java.io.IOException;
import java.nio.file.Path;

import static dev.cell.systemtest.SystemTestSupport.pom;
import static dev.cell.systemtest.SystemTestSupport.write;

/**
 * The projects of {@code RacingNamespacesSystemTest}: a {@code prices} producer whose one idempotent handler waits
 * for as many microseconds as the file {@code delay-us} in its cell folder says (read every 20 ms, so the test can
 * make an instance slow or fast while it runs) and answers with its folder's name, and a consumer that races the
 * instances its host's registry lists, through its unchanged generated client.
 */
final class RacingSources
{
    private RacingSources()
    {
    }

    static void producer(final Path dir) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("prices", ""));
        final Path src = dir.resolve("src/main/java/prices");
        write(src.resolve("PriceRequest.java"), """
            package prices;

            public record PriceRequest(String ticker, long sequence)
            {
            }
            """);
        write(src.resolve("Price.java"), """
            package prices;

            public record Price(String ticker, long sequence, String servedBy)
            {
            }
            """);
        write(src.resolve("Prices.java"), """
            package prices;

            import dev.cell.runtime.Cell;
            import dev.cell.runtime.Idempotent;

            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.concurrent.locks.LockSupport;

            @Cell("prices")
            public final class Prices
            {
                private final String servedBy = Path.of("").toAbsolutePath().getFileName().toString();
                private long delayNs;
                private long readAtNs;

                @Idempotent
                public Price price(final PriceRequest request)
                {
                    final long now = System.nanoTime();
                    if (now - readAtNs > 20_000_000L)
                    {
                        readAtNs = now;
                        try
                        {
                            delayNs = 1_000L * Long.parseLong(Files.readString(Path.of("delay-us")).strip());
                        }
                        catch (final Exception absent)
                        {
                            delayNs = 0;
                        }
                    }
                    final long until = System.nanoTime() + delayNs;
                    while (System.nanoTime() < until)
                    {
                        LockSupport.parkNanos(until - System.nanoTime());
                    }
                    return new Price(request.ticker(), request.sequence(), servedBy);
                }
            }
            """);
    }

    static void consumer(final Path dir) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("racer", """
                <dependency><groupId>dev.cell.systemtest</groupId><artifactId>prices</artifactId><version>1.0-SNAPSHOT</version></dependency>
            """));
        write(dir.resolve("src/main/java/racer/Hiccups.java"), """
            package racer;

            import java.util.concurrent.locks.LockSupport;

            /**
             * A hiccup meter (as jHiccup measures a platform): a thread that asks to sleep 1 ms and records each
             * wake-up later than 1 ms past that as a stall of the process, so a slow call can be told apart from a
             * process that was not running. It also looks at the calling thread when a call has taken longer than
             * 15 ms and keeps where it was (the SLOW lines print it).
             */
            final class Hiccups implements Runnable
            {
                private static final long TICK_NS = 1_000_000L;
                private static final long SLACK_NS = 1_000_000L;
                private static final long LOOK_AFTER_NS = 15_000_000L;

                private final long[] from = new long[1 << 16];
                private final long[] to = new long[1 << 16];
                private final Thread caller;
                private volatile int count;
                private volatile long callStartNs;
                private volatile String where = "";

                private Hiccups(final Thread caller)
                {
                    this.caller = caller;
                }

                static Hiccups start()
                {
                    final Hiccups h = new Hiccups(Thread.currentThread());
                    final Thread t = new Thread(h, "hiccups");
                    t.setDaemon(true);
                    t.start();
                    return h;
                }

                @Override
                public void run()
                {
                    while (true)
                    {
                        final long before = System.nanoTime();
                        LockSupport.parkNanos(TICK_NS);
                        final long after = System.nanoTime();
                        if (after - before > TICK_NS + SLACK_NS && count < from.length)
                        {
                            from[count] = before + TICK_NS;
                            to[count] = after;
                            count++;
                        }
                        final long started = callStartNs;
                        if (started != 0 && after - started > LOOK_AFTER_NS && where.isEmpty())
                        {
                            final StringBuilder b = new StringBuilder();
                            final StackTraceElement[] stack = caller.getStackTrace();
                            for (int i = 0; i < Math.min(14, stack.length); i++)
                            {
                                b.append(" <- ").append(stack[i]);
                            }
                            where = (after - started) / 1_000 + " us into the call:" + b;
                        }
                    }
                }

                /**
                 * A call begins (the stack of a slow one is taken once).
                 */
                void begin(final long startNs)
                {
                    where = "";
                    callStartNs = startNs;
                }

                /**
                 * @return where the call that just ended was seen after 15 ms, or "".
                 */
                String end()
                {
                    callStartNs = 0;
                    return where;
                }

                /**
                 * @return how long, of [startNs, endNs], the process was seen stalled.
                 */
                long stalledNs(final long startNs, final long endNs)
                {
                    long sum = 0;
                    for (int i = count - 1; i >= 0 && to[i] > startNs; i--)
                    {
                        sum += Math.max(0, Math.min(endNs, to[i]) - Math.max(startNs, from[i]));
                    }
                    return sum;
                }
            }
            """);
        write(dir.resolve("src/main/java/racer/RacerMain.java"), """
            package racer;

            import dev.cell.runtime.client.CellHome;
            import dev.cell.runtime.client.ClientOptions;
            import dev.cell.runtime.client.Endpoint;
            import dev.cell.runtime.discovery.ConsumerRegistry;
            import prices.Price;
            import prices.PriceRequest;
            import prices.PricesClient;

            import java.io.BufferedReader;
            import java.io.InputStreamReader;
            import java.util.Arrays;
            import java.util.HashMap;
            import java.util.Map;

            /**
             * Reads commands from stdin, one per line: "run <ms> [<mark ms>]" calls for that long (printing "MARK" after
             * mark ms) and prints (with p99us.<servedBy>=<us> per instance)
             * "RUN calls=<n> <servedBy>=<count>... p50us=<> p99us=<> maxus=<> markmaxus=<> markstalledus=<> lost=<>"
             * (markmaxus: the slowest call that began after the mark; markstalledus: the slowest such call less the
             * time the process was seen stalled during it, {@link Hiccups}); "quit" ends. With {@code racer.alone} set
             * (host:port, and {@code racer.alone.key}) every call also takes turns with one to that instance alone,
             * and the line adds alonep99us=<> (that instance's p99 round trip over the calls after the mark),
             * markoverus=<> (the most any call after the mark, less its stalls, took beyond 2 x the larger of that p99
             * and the instance's own calls just before and after it; <= 0: none) and excused=<> (calls within only
             * because a neighbouring call of that instance was slower than its p99).
             */
            public final class RacerMain
            {
                public static void main(final String[] args) throws Exception
                {
                    final Hiccups hiccups = Hiccups.start();
                    final BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
                    final String aloneAt = System.getProperty("racer.alone", "");
                    try (PricesClient prices = PricesClient.connect(ClientOptions.defaults());
                        PricesClient alone = aloneAt.isEmpty() ? null : PricesClient.connect(ClientOptions.defaults()
                            .withEndpoint(Endpoint.parse(aloneAt, System.getProperty("racer.alone.key")))))
                    {
                        // The record a @CellRemote client writes when it connects (this one uses the producer's own
                        // client, which records nothing): this host's registry agent carries it to every host.
                        ConsumerRegistry.record(CellHome.resolve(), "prices", "racer", Map.of("price",
                            prices.connection().genome().handler("price").fingerprint()));
                        System.out.println("CONNECTED");
                        long sequence = 0;
                        String line;
                        while ((line = in.readLine()) != null && !line.equals("quit"))
                        {
                            final String[] words = line.split(" ");
                            final long ms = Long.parseLong(words[1]);
                            final long markNs = System.nanoTime() +
                                (words.length > 2 ? Long.parseLong(words[2]) : ms + 1) * 1_000_000L;
                            boolean marked = false;
                            final Map<String, Integer> served = new HashMap<>();
                            final Map<String, long[]> byServer = new HashMap<>();
                            long[] rtts = new long[1 << 16];
                            long[] markStarts = new long[1 << 16];
                            long[] markEnds = new long[1 << 16];
                            final long[] aloneRtts = new long[1 << 16];
                            int a = 0;
                            int n = 0;
                            int m = 0;
                            int lost = 0;
                            final long end = System.nanoTime() + ms * 1_000_000L;
                            while (System.nanoTime() < end)
                            {
                                if (!marked && System.nanoTime() > markNs)
                                {
                                    marked = true;
                                    System.out.println("MARK");
                                }
                                final long s = ++sequence;
                                final long t0 = System.nanoTime();
                                hiccups.begin(t0);
                                try
                                {
                                    final Price p = prices.price(new PriceRequest("ACME", s));
                                    if (p.sequence() != s)
                                    {
                                        System.out.println("WRONG " + p);
                                        System.exit(5);
                                    }
                                    final int k = served.merge(p.servedBy(), 1, Integer::sum);
                                    long[] own = byServer.computeIfAbsent(p.servedBy(), x -> new long[1024]);
                                    if (k > own.length)
                                    {
                                        own = Arrays.copyOf(own, own.length * 2);
                                        byServer.put(p.servedBy(), own);
                                    }
                                    own[k - 1] = (System.nanoTime() - t0) / 1_000;
                                }
                                catch (final RuntimeException e)
                                {
                                    lost++;
                                    System.out.println("LOST " + e);
                                }
                                final long t1 = System.nanoTime();
                                final String where = hiccups.end();
                                if (!where.isEmpty())
                                {
                                    System.out.println("SLOW CALL seen " + where);
                                }
                                if (n == rtts.length)
                                {
                                    rtts = Arrays.copyOf(rtts, n * 2);
                                }
                                rtts[n++] = (t1 - t0) / 1_000;
                                if (marked)
                                {
                                    if (m == markStarts.length)
                                    {
                                        markStarts = Arrays.copyOf(markStarts, m * 2);
                                        markEnds = Arrays.copyOf(markEnds, m * 2);
                                    }
                                    markStarts[m] = t0;
                                    markEnds[m++] = t1;
                                }
                                if (alone != null)
                                {
                                    final long a0 = System.nanoTime();
                                    if (alone.price(new PriceRequest("ACME", -s)).sequence() != -s)
                                    {
                                        System.out.println("WRONG alone");
                                        System.exit(5);
                                    }
                                    if (marked && a < aloneRtts.length)
                                    {
                                        aloneRtts[a++] = (System.nanoTime() - a0) / 1_000;
                                    }
                                }
                            }
                            final long[] aloneSorted = Arrays.copyOf(aloneRtts, a);
                            Arrays.sort(aloneSorted);
                            final long aloneP99 = a > 0 ? aloneSorted[(int)(a * 0.99)] : -1;
                            long markMax = 0;
                            long markStalledMax = 0;
                            long markOverMax = Long.MIN_VALUE;
                            int excused = 0;
                            for (int i = 0; i < m; i++)
                            {
                                final long rttUs = (markEnds[i] - markStarts[i]) / 1_000;
                                final long stalledUs = hiccups.stalledNs(markStarts[i], markEnds[i]) / 1_000;
                                markMax = Math.max(markMax, rttUs);
                                markStalledMax = Math.max(markStalledMax, rttUs - stalledUs);
                                if (a > 0)
                                {
                                    // The healthy instance's own calls just before and after this one.
                                    final long neighbour = Math.max(i < a ? aloneRtts[i] : 0,
                                        i > 0 && i - 1 < a ? aloneRtts[i - 1] : 0);
                                    final long over = rttUs - stalledUs - 2 * Math.max(aloneP99, neighbour);
                                    if (rttUs - stalledUs > 2 * aloneP99 && over <= 0)
                                    {
                                        excused++;
                                    }
                                    markOverMax = Math.max(markOverMax, over);
                                }
                                if (rttUs > 12_000)
                                {
                                    System.out.println("SLOW " + rttUs + " us, the process stalled " + stalledUs +
                                        " us of it, " + (markStarts[i] - markNs) / 1_000_000 + " ms after the mark" +
                                        (i < a ? ", the healthy instance's next call " + aloneRtts[i] + " us" : ""));
                                }
                            }
                            Arrays.sort(rtts, 0, n);
                            final StringBuilder b = new StringBuilder("RUN calls=" + n);
                            served.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
                            byServer.forEach((k, v) ->
                            {
                                final int count = served.get(k);
                                Arrays.sort(v, 0, count);
                                b.append(" p99us.").append(k).append('=').append(v[(int)(count * 0.99)]);
                            });
                            b.append(" p50us=").append(rtts[n / 2]).append(" p99us=").append(rtts[(int)(n * 0.99)])
                                .append(" maxus=").append(rtts[n - 1]).append(" markmaxus=").append(markMax)
                                .append(" markstalledus=").append(markStalledMax).append(" lost=").append(lost);
                            if (a > 0)
                            {
                                b.append(" alonep99us=").append(aloneP99).append(" markoverus=").append(markOverMax)
                                    .append(" excused=").append(excused);
                            }
                            System.out.println(b);
                        }
                    }
                }
            }
            """);
    }
}
