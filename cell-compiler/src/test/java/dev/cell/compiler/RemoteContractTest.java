package dev.cell.compiler;

import dev.cell.runtime.genome.Genome;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code @CellRemote} in-process: a consumer resolves a producer's genome from its source folder (javac
 * {@code -proc:only} in genome-only mode), pins it in Cell.lock, gets a client whose fingerprint is the producer's,
 * builds offline from the lock alone; an expectation that no longer matches fails at its method naming the handler
 * and the field; a lock that no longer matches the source fails naming both fingerprints; an optional field
 * ({@code @Since}) keeps the earlier handler shape accepted.
 */
class RemoteContractTest
{
    private String savedHome;

    @BeforeEach
    void isolateCellHome() throws IOException
    {
        savedHome = System.getProperty("cell.home");
        final Path home = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"), "remote-home");
        Files.createDirectories(home);
        System.setProperty("cell.home", home.toAbsolutePath().toString());
    }

    @AfterEach
    void restoreCellHome()
    {
        if (savedHome == null)
        {
            System.clearProperty("cell.home");
        }
        else
        {
            System.setProperty("cell.home", savedHome);
        }
    }

    private static String producer(final String quoteFields, final String extra)
    {
        return """
            package quotes;

            import dev.cell.runtime.Cell;
            import dev.cell.runtime.CellError;
            import dev.cell.runtime.Since;
            import java.util.List;

            @Cell("quotes")
            public final class Quotes
            {
                public enum Venue { LIT, DARK }
                public record Level(long price, long size) {}
                public record Quote(%s) {}
                public static final class UnknownTicker extends CellError
                {
                    private final String ticker;
                    public UnknownTicker(final String ticker) { super(ticker); this.ticker = ticker; }
                    public String ticker() { return ticker; }
                }
                public Quote quote(final String ticker) throws UnknownTicker { throw new UnknownTicker(ticker); }
                public long count() { return 1; }
                public void reset(final String reason, final int level) { }
                %s
            }
            """.formatted(quoteFields, extra);
    }

    private static final String V1 = "String ticker, long bid, long ask, Venue venue, List<Level> levels";

    private static Path writeProducer(final String name, final String source) throws IOException
    {
        // A fresh folder per run: target/ survives between builds and a git repository there would already exist.
        final Path base = Files.createDirectories(Path.of(System.getProperty("cell.test.tmp", "target/cell-test"),
            "remote-producers").toAbsolutePath());
        final Path dir = Files.createTempDirectory(base, name + "-");
        Files.createDirectories(dir.resolve("src/main/java/quotes"));
        Files.writeString(dir.resolve("src/main/java/quotes/Quotes.java"), source);
        return dir;
    }

    private static Map<String, String> consumer(final Path producer, final String expectations, final String toml)
    {
        final Map<String, String> sources = new LinkedHashMap<>();
        sources.put("cell.toml", """
            [cell]
            name = "trader"
            %s
            [deps]
            quotes = { path = "%s" }
            """.formatted(toml, producer.toString()));
        sources.put("trader/QuotesApi.java", """
            package trader;

            import dev.cell.runtime.CellRemote;

            @CellRemote("quotes")
            public interface QuotesApi
            {
            %s
            }
            """.formatted(expectations));
        sources.put("trader/Use.java", """
            package trader;

            import trader.quotes.QuotesClient;
            import trader.quotes.QuoteResponse;
            import trader.quotes.UnknownTicker;

            final class Use
            {
                static long use(final QuotesClient client) throws UnknownTicker
                {
                    final QuoteResponse q = client.quote("ACME");
                    return q.bid() + q.levels().size() + client.count();
                }
            }
            """);
        return sources;
    }

    private static final String EXPECT = """
            public record MyQuote(long bid, long ask) {}
            MyQuote quote(String ticker) throws trader.quotes.UnknownTicker;
        """;

    @Test
    void resolvesFromSourcePinsTheLockBuildsOfflineAndReportsBrokenExpectationsAndStaleLocks() throws Exception
    {
        final Path producer = writeProducer("v1", producer(V1, ""));
        final Compilation.Result first = Compilation.compile("remote-source", consumer(producer, EXPECT, ""))
            .assertSuccess();
        final Genome genome = Genome.fromJson(Files.readString(
            first.dir().resolve("src/.cell-genomes/quotes.genome.json")));
        final String lock = Files.readString(first.dir().resolve("src/Cell.lock"));
        assertTrue(lock.contains("fingerprint = \"" + genome.fingerprint() + "\""), lock);
        final String client = first.generatedSource("trader/quotes/QuotesClient.java");
        assertTrue(client.contains("FINGERPRINT = 0x" + genome.fingerprint().toUpperCase()), client);
        // Only the handler the expectations name is announced in the Hello.
        assertTrue(client.contains("Map.entry(\"quote\", \"" + genome.handler("quote").fingerprint() + "\")"),
            client);
        assertFalse(client.contains("Map.entry(\"count\""), client);

        // Offline: the lock alone, even with the producer's source gone.
        final Map<String, String> offline = consumer(producer.resolveSibling("gone"), EXPECT, "offline = true");
        offline.put("Cell.lock", lock);
        offline.put(".cell-genomes/quotes.genome.json", genome.toJson());
        Compilation.compile("remote-offline", offline).assertSuccess();

        // The producer renames a field the expectation uses: error at the method, naming handler and field.
        final Path renamed = writeProducer("renamed",
            producer("String ticker, long bidPrice, long ask, Venue venue, List<Level> levels", ""));
        final Compilation.Result broken = Compilation.compile("remote-renamed", consumer(renamed, EXPECT, ""));
        assertFalse(broken.success());
        final String report = broken.report();
        assertTrue(report.contains("handler 'quote'") && report.contains("field 'bid' of the result does not " +
            "exist") && report.contains("bidPrice int64"), report);

        // A lock that pins the old genome while the source moved on: both fingerprints and the fix.
        final Map<String, String> stale = consumer(renamed, "", "");
        stale.put("Cell.lock", lock);
        stale.put(".cell-genomes/quotes.genome.json", genome.toJson());
        final Compilation.Result staleResult = Compilation.compile("remote-stale", stale);
        assertFalse(staleResult.success());
        final String staleReport = staleResult.report();
        assertTrue(staleReport.contains(genome.fingerprint()) && staleReport.contains("cell lock --update"),
            staleReport);
        final List<Diagnostic<?>> errors = List.copyOf(staleResult.of(Diagnostic.Kind.ERROR));
        assertEquals(1, errors.size(), staleReport);
    }

    @Test
    void resolvesFromAGitTagAndNamesAMissingTag() throws Exception
    {
        final Path repo = writeProducer("git-repo", producer(V1, ""));
        try (Git git = Git.init().setDirectory(repo.toFile()).call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("v1").setAuthor("t", "t@localhost").setCommitter("t", "t@localhost")
                .setSign(false).call();
            git.tag().setName("v1.0.0").setAnnotated(false).call();
        }
        // The working tree moves on after the tag: the consumer must see the tagged version.
        Files.writeString(repo.resolve("src/main/java/quotes/Quotes.java"),
            producer("String ticker, long bidPrice, long ask, Venue venue, List<Level> levels", ""));
        final Map<String, String> sources = consumer(repo, EXPECT, "");
        sources.put("cell.toml", """
            [cell]
            name = "trader"

            [deps]
            quotes = { git = "%s", tag = "v1.0.0" }
            """.formatted(repo.toUri()));
        final Compilation.Result ok = Compilation.compile("remote-git", sources).assertSuccess();
        assertTrue(Files.readString(ok.dir().resolve("src/Cell.lock")).contains("tag v1.0.0"));

        sources.put("cell.toml", sources.get("cell.toml").replace("v1.0.0", "v9.9.9"));
        final Compilation.Result missing = Compilation.compile("remote-git-missing", sources);
        assertFalse(missing.success());
        assertTrue(missing.report().contains("cannot clone") && missing.report().contains("v9.9.9"),
            missing.report());
    }

    @Test
    void optionalFieldKeepsTheEarlierHandlerShapeAccepted() throws Exception
    {
        final Path v1 = writeProducer("since-v1", producer(V1, ""));
        final Compilation.Result a = Compilation.compile("remote-since-v1", consumer(v1, "", "")).assertSuccess();
        final Genome g1 = Genome.fromJson(Files.readString(a.dir().resolve("src/.cell-genomes/quotes.genome.json")));
        final Path v2 = writeProducer("since-v2", producer(V1 + ", @Since(1) long volume", ""));
        final Compilation.Result b = Compilation.compile("remote-since-v2", consumer(v2, "", "")).assertSuccess();
        final Genome g2 = Genome.fromJson(Files.readString(b.dir().resolve("src/.cell-genomes/quotes.genome.json")));
        assertEquals(1, g2.schemaVersion());
        final Genome.Handler q1 = g1.handler("quote");
        final Genome.Handler q2 = g2.handler("quote");
        assertFalse(q1.fingerprint().equals(q2.fingerprint()));
        assertTrue(q2.accepts(q1.fingerprint()), q2.toString());
        assertEquals(g1.handler("count").fingerprint(), g2.handler("count").fingerprint());
        assertTrue(b.generatedSource("trader/quotes/QuoteResponse.java").contains("@dev.cell.runtime.Since(1) long " +
            "volume"));
    }
}
