package dev.cell.systemtest;

import java.io.IOException;
import java.nio.file.Path;

import static dev.cell.systemtest.SystemTestSupport.pom;
import static dev.cell.systemtest.SystemTestSupport.write;

/**
 * The consumer of the cross-host test: a separately built project whose generated {@code QuotesClient} is used as
 * is; where the producer runs is only configuration ({@code -Dcell.endpoint.quotes}, as the launcher sets it from
 * {@code [deps]}). It checks every answer, then optionally calls until the producer dies and says how long the
 * failure took.
 */
final class AxonConsumerSources
{
    private AxonConsumerSources()
    {
    }

    static void write(final Path dir) throws IOException
    {
        SystemTestSupport.write(dir.resolve("pom.xml"), pom("consumer", """
                <dependency><groupId>dev.cell.systemtest</groupId><artifactId>quotes</artifactId><version>1.0-SNAPSHOT</version></dependency>
            """));
        SystemTestSupport.write(dir.resolve("src/main/java/consumer/ConsumerMain.java"), """
            package consumer;

            import dev.cell.runtime.CellException;
            import dev.cell.runtime.client.ClientOptions;
            import quotes.Quote;
            import quotes.QuoteRequest;
            import quotes.QuotesClient;
            import quotes.UnknownTicker;

            /** args: calls, marker ticker or "-", "loop" to call until the producer fails. */
            public final class ConsumerMain
            {
                public static void main(final String[] args) throws Exception
                {
                    final int calls = Integer.parseInt(args[0]);
                    try (QuotesClient quotes = QuotesClient.connect(ClientOptions.defaults()))
                    {
                        int errors = 0;
                        for (int i = 0; i < calls; i++)
                        {
                            if (i % 10 == 9)
                            {
                                final String ticker = "NOPE" + i;
                                try
                                {
                                    quotes.quote(new QuoteRequest(ticker));
                                    System.out.println("WRONG no error for " + ticker);
                                    System.exit(5);
                                }
                                catch (final UnknownTicker e)
                                {
                                    if (!e.ticker().equals(ticker))
                                    {
                                        System.out.println("WRONG error names " + e.ticker() + " not " + ticker);
                                        System.exit(5);
                                    }
                                    errors++;
                                }
                                continue;
                            }
                            final Quote q = quotes.quote(new QuoteRequest("ACME"));
                            if (!q.ticker().equals("ACME") || q.bid() != 99 || q.ask() != 101)
                            {
                                System.out.println("WRONG " + q);
                                System.exit(5);
                            }
                        }
                        System.out.println("OK " + calls + " typed-errors " + errors);
                        if (!args[1].equals("-"))
                        {
                            try
                            {
                                quotes.quote(new QuoteRequest(args[1]));
                            }
                            catch (final UnknownTicker e)
                            {
                                System.out.println("MARKER SENT");
                            }
                        }
                        if (args.length > 2 && args[2].equals("loop"))
                        {
                            System.out.println("LOOPING");
                            System.out.flush();
                            long lastReplyNs = System.nanoTime();
                            try
                            {
                                while (true)
                                {
                                    quotes.quote(new QuoteRequest("ACME"));
                                    lastReplyNs = System.nanoTime();
                                }
                            }
                            catch (final CellException e)
                            {
                                System.out.println("CRASH " + e.getClass().getSimpleName() + " " +
                                    (System.nanoTime() - lastReplyNs) / 1_000_000 + " ms: " + e.getMessage());
                            }
                        }
                    }
                    catch (final CellException.Rejected e)
                    {
                        System.out.println("REJECTED " + e.getMessage());
                        System.exit(4);
                    }
                }
            }
            """);
    }
}
