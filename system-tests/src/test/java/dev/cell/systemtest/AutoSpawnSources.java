package dev.cell.systemtest;

import java.io.IOException;
import java.nio.file.Path;

import static dev.cell.systemtest.SystemTestSupport.pom;
import static dev.cell.systemtest.SystemTestSupport.write;

/**
 * The projects of {@code AutoSpawnNamespacesSystemTest}: an {@code exchange} producer whose one idempotent handler
 * answers with the folder its instance runs in (a spawned mirror's is under {@code $CELL_HOME/spawn/}), and a
 * {@code trader} cell that calls it through its {@code @CellRemote} client, back to back with a millisecond's pause,
 * and appends {@code <epoch ms> <folder> <round trip us>} to {@code served.log} in its folder each time the answering
 * instance changes.
 */
final class AutoSpawnSources
{
    private AutoSpawnSources()
    {
    }

    static void exchange(final Path dir) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("exchange", ""));
        write(dir.resolve("cell.toml"), """
            [cell]
            name = "exchange"
            """);
        final Path src = dir.resolve("src/main/java/exchange");
        write(src.resolve("QuoteRequest.java"), """
            package exchange;

            public record QuoteRequest(String ticker, long sequence)
            {
            }
            """);
        write(src.resolve("Quote.java"), """
            package exchange;

            public record Quote(String ticker, long sequence, String servedBy)
            {
            }
            """);
        write(src.resolve("Exchange.java"), """
            package exchange;

            import dev.cell.runtime.Cell;
            import dev.cell.runtime.Idempotent;

            import java.nio.file.Path;

            @Cell("exchange")
            public final class Exchange
            {
                private final String servedBy = Path.of("").toAbsolutePath().toString();

                @Idempotent
                public Quote quote(final QuoteRequest request)
                {
                    return new Quote(request.ticker(), request.sequence(), servedBy);
                }
            }
            """);
    }

    static void trader(final Path dir, final String url, final String owner) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("trader", ""));
        write(dir.resolve("cell.toml"), """
            [cell]
            name = "trader"

            [deps.exchange]
            git = "%s"
            tag = "v1"
            owner = "%s"
            policy = { max_latency_ms = 5, auto_spawn = true }
            """.formatted(url, owner));
        final Path src = dir.resolve("src/main/java/trader");
        write(src.resolve("ExchangeApi.java"), """
            package trader;

            import dev.cell.runtime.CellRemote;

            @CellRemote("exchange")
            interface ExchangeApi
            {
            }
            """);
        write(src.resolve("Trader.java"), """
            package trader;

            import dev.cell.runtime.Cell;
            import dev.cell.runtime.CellContext;
            import dev.cell.runtime.CellLifecycle;
            import trader.exchange.ExchangeClient;
            import trader.exchange.QuoteRequest;
            import trader.exchange.QuoteResponse;

            import java.nio.charset.StandardCharsets;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.nio.file.StandardOpenOption;
            import java.util.concurrent.locks.LockSupport;

            @Cell("trader")
            public final class Trader implements CellLifecycle
            {
                private volatile boolean running = true;
                private volatile long calls;

                @Override
                public void onStart(final CellContext context)
                {
                    Thread.ofPlatform().daemon(true).name("trader-loop").start(this::loop);
                }

                @Override
                public void onStop()
                {
                    running = false;
                }

                public long calls()
                {
                    return calls;
                }

                private void loop()
                {
                    try (ExchangeClient exchange = ExchangeClient.connect())
                    {
                        String last = "";
                        long sequence = 0;
                        while (running)
                        {
                            final long s = ++sequence;
                            final long t0 = System.nanoTime();
                            try
                            {
                                final QuoteResponse q = exchange.quote(new QuoteRequest(s, "ACME"));
                                final long us = (System.nanoTime() - t0) / 1_000;
                                calls++;
                                if (q.sequence() != s)
                                {
                                    append("WRONG " + q);
                                }
                                else if (!q.servedBy().equals(last))
                                {
                                    last = q.servedBy();
                                    append(System.currentTimeMillis() + " " + last + " " + us);
                                }
                            }
                            catch (final RuntimeException e)
                            {
                                append("LOST " + e);
                            }
                            LockSupport.parkNanos(1_000_000L);
                        }
                    }
                    catch (final RuntimeException e)
                    {
                        append("FAILED " + e);
                    }
                }

                private static void append(final String line)
                {
                    try
                    {
                        Files.writeString(Path.of("served.log"), line + "\\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                    catch (final java.io.IOException e)
                    {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
            """);
    }
}
