package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static dev.cell.systemtest.SystemTestSupport.mvn;
import static dev.cell.systemtest.SystemTestSupport.pom;
import static dev.cell.systemtest.SystemTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer and a consumer built as two separate Maven projects and run as separate JVMs: the consumer's calls
 * over a junction return the producer's results and its typed errors; once the producer is rebuilt with a changed
 * record, the old consumer binary is refused at connect with {@code SchemaMismatch} naming both fingerprints.
 */
@Timeout(600)
class ProducerConsumerSystemTest
{
    private static final Pattern MISMATCH = Pattern.compile("MISMATCH ([0-9a-f]{16}) ([0-9a-f]{16})");

    private Path cellHome;

    @AfterEach
    void killEverything() throws IOException
    {
        if (cellHome != null)
        {
            SystemTestSupport.killInstances(cellHome);
        }
    }

    @Test
    void shouldCallAcrossSeparatelyBuiltProjectsAndRefuseChangedProducer() throws Exception
    {
        final Path root = SystemTestSupport.newDir("producer-consumer");
        cellHome = root.resolve("cell-home");
        final Path producer = root.resolve("quotes");
        final Path consumer = root.resolve("consumer");

        SystemTestSupport.writeQuotesProducer(producer, "1.0.0", "long bid, long ask", "bid, ask");
        mvn(producer, "install");
        writeConsumer(consumer);
        mvn(consumer, "package", "dependency:copy-dependencies", "-DoutputDirectory=target/lib");

        mustSucceed(cell(root, cellHome, 240, "mitosis", producer.toString(), "--detach"), "cell mitosis (v1)");
        final SystemTestSupport.Result first = runConsumer(consumer);
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("QUOTE ACME 99 101"), first.output());
        assertTrue(first.output().contains("ERROR UnknownTicker NOPE"), first.output());

        mustSucceed(cell(root, cellHome, 60, "stop", "quotes"), "cell stop");

        // The producer renames a field of its result record and is rebuilt; the consumer binary stays as it was.
        SystemTestSupport.writeQuotesProducer(producer, "1.0.0", "long bidPrice, long ask", "bid, ask");
        mvn(producer, "install");
        mustSucceed(cell(root, cellHome, 240, "mitosis", producer.toString(), "--detach"), "cell mitosis (v2)");

        final SystemTestSupport.Result second = runConsumer(consumer);
        assertEquals(3, second.exitCode(), second.output());
        final Matcher m = MISMATCH.matcher(second.output());
        assertTrue(m.find(), second.output());
        assertNotEquals(m.group(1), m.group(2));
        final String genome = mustSucceed(cell(root, cellHome, 60, "genome", "quotes"), "cell genome").output();
        assertTrue(genome.contains(m.group(2)), "running producer's fingerprint " + m.group(2) + " in:\n" + genome);
    }

    private SystemTestSupport.Result runConsumer(final Path consumer) throws IOException, InterruptedException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(SystemTestSupport.java().toString());
        cmd.addAll(SystemTestSupport.JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(consumer.resolve("target/classes") + ":" + consumer.resolve("target/lib") + "/*");
        cmd.add("consumer.ConsumerMain");
        return SystemTestSupport.run(consumer, Map.of("CELL_HOME", cellHome.toString()), 60, cmd);
    }

    private static void writeConsumer(final Path dir) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("consumer", """
                <dependency><groupId>dev.cell.systemtest</groupId><artifactId>quotes</artifactId><version>1.0-SNAPSHOT</version></dependency>
            """));
        write(dir.resolve("src/main/java/consumer/ConsumerMain.java"), """
            package consumer;

            import dev.cell.runtime.CellException;
            import dev.cell.runtime.client.ClientOptions;
            import quotes.Quote;
            import quotes.QuoteRequest;
            import quotes.QuotesClient;
            import quotes.UnknownTicker;

            public final class ConsumerMain
            {
                public static void main(final String[] args) throws Exception
                {
                    try (QuotesClient quotes = QuotesClient.connect(ClientOptions.defaults()))
                    {
                        final Quote quote = quotes.quote(new QuoteRequest("ACME"));
                        System.out.println("QUOTE " + quote.ticker() + " " + quote.bid() + " " + quote.ask());
                        try
                        {
                            quotes.quote(new QuoteRequest("NOPE"));
                            System.out.println("NO ERROR");
                        }
                        catch (final UnknownTicker e)
                        {
                            System.out.println("ERROR UnknownTicker " + e.ticker());
                        }
                    }
                    catch (final CellException.SchemaMismatch e)
                    {
                        System.out.println("MISMATCH " + e.expectedFingerprint() + " " + e.actualFingerprint());
                        System.out.println(e.getMessage());
                        System.exit(3);
                    }
                }
            }
            """);
    }
}
