package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static dev.cell.systemtest.SystemTestSupport.pom;
import static dev.cell.systemtest.SystemTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Compile-time contracts between independently built cells ({@code @CellRemote}, Cell.lock, the producer's guard),
 * with a producer ({@code quotes}) and two consumers ({@code trader}, {@code watcher}), each its own Maven project
 * built by a spawned {@code mvn} and run as its own JVM:
 * <ol>
 *     <li>trader compiles against the running producer, watcher against its source only ({@code cell add --path}),
 *     trader again offline from Cell.lock with nothing running; every one of those binaries' calls succeed;</li>
 *     <li>the producer renames a field trader uses: trader's rebuild fails naming the field and the handler, its lock
 *     is reported stale (both fingerprints), {@code cell genome --diff} reports it BREAKING;</li>
 *     <li>the producer adds an optional field: trader's old binary and trader rebuilt after {@code cell lock
 *     --update} both work;</li>
 *     <li>while watcher runs, a breaking change makes the producer's compile fail naming watcher; as major version 2
 *     it builds, serves as {@code quotes@2} next to v1, watcher keeps talking to v1 and trader rebuilt for
 *     {@code quotes@2} talks to v2;</li>
 *     <li>once watcher is gone the change builds within major 1, and the handshake refuses both old consumers,
 *     naming the changed handler and not the unchanged one.</li>
 * </ol>
 */
@Timeout(900)
class ContractSystemTest
{
    private static final String V1 = "long bid, long ask";

    private final List<Process> children = new ArrayList<>();
    private Path cellHome;

    @AfterEach
    void killEverything() throws IOException
    {
        for (final Process p : children)
        {
            p.destroyForcibly();
        }
        if (cellHome != null)
        {
            SystemTestSupport.killInstances(cellHome);
        }
    }

    @Test
    void consumersBuildAgainstRunningSourceAndLockAndTheContractIsGuardedBothWays() throws Exception
    {
        final Path root = SystemTestSupport.newDir("contracts");
        cellHome = root.resolve("cell-home");
        final Path quotes = root.resolve("quotes");
        final Path trader = root.resolve("trader");
        final Path watcher = root.resolve("watcher");

        // 1. trader against the running producer (its cell.toml names no source).
        SystemTestSupport.writeQuotesProducer(quotes, "1.0.0", V1, "bid, ask");
        mustSucceed(mvn(quotes, Map.of(), "package"), "mvn package quotes v1");
        mustSucceed(cell(root, cellHome, 240, "mitosis", quotes.toString(), "--detach"), "cell mitosis quotes");
        writeTrader(trader, "quotes", """
                record Prices(long bid, long ask) {}
                Prices quote(String ticker) throws trader.quotes.UnknownTicker;
            """, TRADER_V1_MAIN);
        mustSucceed(mvn(trader, Map.of(), "package", "dependency:copy-dependencies",
            "-DoutputDirectory=target/lib"), "mvn package trader (running producer)");
        final String lock = Files.readString(trader.resolve("Cell.lock"));
        assertTrue(lock.contains("running instance"), lock);
        final Path v1Genome = root.resolve("quotes-v1.genome.json");
        Files.copy(trader.resolve(".cell-genomes/quotes.genome.json"), v1Genome);
        assertTraderV1Works(trader.resolve("target/classes"), trader);

        // 2. watcher against the producer's source only: nothing is running.
        mustSucceed(cell(root, cellHome, 60, "stop", "quotes"), "cell stop quotes");
        writeWatcher(watcher);
        mustSucceed(cell(watcher, cellHome, 60, "add", "quotes", "--path", "../quotes"), "cell add (watcher)");
        assertTrue(Files.readString(watcher.resolve("cell.toml")).contains("quotes = { path = \"../quotes\" }"));
        mustSucceed(mvn(watcher, Map.of(), "package", "dependency:copy-dependencies",
            "-DoutputDirectory=target/lib"), "mvn package watcher (source only)");
        assertTrue(Files.readString(watcher.resolve("Cell.lock")).contains("path ../quotes"));

        // 3. trader offline from Cell.lock, nothing running, no source named.
        mustSucceed(mvn(trader, Map.of("CELL_OFFLINE", "1"), "clean", "package", "dependency:copy-dependencies",
            "-DoutputDirectory=target/lib"), "mvn package trader (offline)");
        final Path traderV1Binary = root.resolve("trader-v1/classes");
        copyTree(trader.resolve("target/classes"), traderV1Binary);
        copyTree(trader.resolve("target/lib"), root.resolve("trader-v1/lib"));

        mustSucceed(cell(root, cellHome, 240, "mitosis", quotes.toString(), "--detach"), "cell mitosis quotes");
        assertTraderV1Works(traderV1Binary, trader);
        final SystemTestSupport.Result watched = runJava(watcher, "watcher.WatcherMain", Map.of());
        assertEquals(0, watched.exitCode(), watched.output());
        assertTrue(watched.output().contains("COUNT 7") && watched.output().contains("QUOTE ACME 99 101"),
            watched.output());
        mustSucceed(cell(root, cellHome, 60, "stop", "quotes"), "cell stop quotes");

        // 4. The producer renames a field trader relies on.
        SystemTestSupport.writeQuotesProducer(quotes, "1.0.0", "long bidPrice, long ask", "bid, ask");
        mustSucceed(mvn(quotes, Map.of(), "package"), "mvn package quotes (renamed)");
        mustSucceed(cell(trader, cellHome, 60, "add", "quotes", "--path", "../quotes"), "cell add (trader)");
        // clean: javac skips up-to-date sources, and only a compile resolves the genome again.
        final SystemTestSupport.Result broken = mvn(trader, Map.of(), "clean", "package");
        assertNotEquals(0, broken.exitCode(), broken.output());
        System.out.println("trader's rebuild against the renamed producer:\n" + broken.output());
        assertTrue(broken.output().contains("handler 'quote'") && broken.output().contains("field 'bid'") &&
            broken.output().contains("bidPrice int64"), broken.output());
        final String v1Fingerprint = fingerprint(v1Genome);
        assertTrue(broken.output().contains("Cell.lock pins cell 'quotes' at 1.0.0 fingerprint " + v1Fingerprint) &&
            broken.output().contains("cell lock --update"), broken.output());
        final SystemTestSupport.Result stale = cell(trader, cellHome, 120, "lock");
        assertEquals(1, stale.exitCode(), stale.output());
        assertTrue(stale.output().contains("STALE") && stale.output().contains(v1Fingerprint), stale.output());
        final SystemTestSupport.Result renamedDiff = cell(root, cellHome, 120, "genome", v1Genome.toString(),
            "--diff", quotes.toString());
        assertEquals(4, renamedDiff.exitCode(), renamedDiff.output());
        assertTrue(renamedDiff.output().contains("result field 'bid' (int64): removed or renamed — BREAKING"),
            renamedDiff.output());

        // 5. The producer adds an optional field instead: the old binary and a rebuilt trader both work.
        SystemTestSupport.writeQuotesProducer(quotes, "1.1.0", V1 + ", @Since(1) long volume", "bid, ask, 5_000");
        mustSucceed(mvn(quotes, Map.of(), "package"), "mvn package quotes (optional field)");
        final SystemTestSupport.Result optionalDiff = cell(root, cellHome, 120, "genome", v1Genome.toString(),
            "--diff", quotes.toString());
        assertEquals(0, optionalDiff.exitCode(), optionalDiff.output());
        assertTrue(optionalDiff.output().contains("result field 'volume' (int64): optional, added at schema " +
            "version 1 — compatible"), optionalDiff.output());
        mustSucceed(cell(root, cellHome, 240, "mitosis", quotes.toString(), "--detach"), "cell mitosis quotes 1.1");
        assertTraderV1Works(traderV1Binary, trader);
        final String updated = mustSucceed(cell(trader, cellHome, 120, "lock", "--update"), "cell lock --update")
            .output();
        assertTrue(updated.contains("updated  quotes " + v1Fingerprint), updated);
        mustSucceed(mvn(trader, Map.of(), "clean", "package", "dependency:copy-dependencies",
            "-DoutputDirectory=target/lib"), "mvn package trader (after cell lock --update)");
        assertTraderV1Works(trader.resolve("target/classes"), trader);

        // 6. While watcher runs, a breaking change to a handler it uses fails the producer's own build.
        final Path go = root.resolve("watcher-go");
        final Path watcherOut = root.resolve("watcher-hold.out");
        final Process held = startJava(watcher, "watcher.WatcherMain", watcherOut, "hold", go.toString());
        waitFor(watcherOut, "READY", held);
        final Path v1Source = root.resolve("quotes-source-1.1");
        copyTree(quotes.resolve("src"), v1Source);
        SystemTestSupport.writeQuotesProducer(quotes, "1.2.0", "long bid, long askPrice", "bid, ask");
        final SystemTestSupport.Result guarded = mvn(quotes, Map.of(), "clean", "compile");
        assertNotEquals(0, guarded.exitCode(), guarded.output());
        System.out.println("the producer's build while watcher runs:\n" + guarded.output());
        assertTrue(guarded.output().contains("breaking change to handler 'quote'") &&
            guarded.output().contains("live consumer 'watcher'"), guarded.output());
        SystemTestSupport.deleteTree(quotes.resolve("src"));
        copyTree(v1Source, quotes.resolve("src"));

        // 7. As major version 2 the same change builds and serves as quotes@2, next to v1.
        final Path quotes2 = root.resolve("quotes2");
        SystemTestSupport.writeQuotesProducer(quotes2, "2.0.0", "long bid, long askPrice", "bid, ask");
        write(quotes2.resolve("cell.toml"), """
            [cell]
            name = "quotes@2"
            """);
        mustSucceed(mvn(quotes2, Map.of(), "package"), "mvn package quotes 2.0.0");
        mustSucceed(cell(root, cellHome, 240, "mitosis", quotes2.toString(), "--detach"), "cell mitosis quotes@2");
        Files.writeString(go, "go");
        assertTrue(held.waitFor(60, TimeUnit.SECONDS), "watcher did not finish");
        final String heldOut = Files.readString(watcherOut);
        assertEquals(0, held.exitValue(), heldOut);
        assertTrue(heldOut.contains("QUOTE-AGAIN ACME 99 101"), heldOut);

        writeTrader(trader, "quotes@2", "", TRADER_V2_MAIN);
        mustSucceed(cell(trader, cellHome, 60, "add", "quotes", "--path", "../quotes2"), "cell add (trader v2)");
        mustSucceed(mvn(trader, Map.of(), "clean", "package", "dependency:copy-dependencies",
            "-DoutputDirectory=target/lib"), "mvn package trader (quotes@2)");
        final SystemTestSupport.Result v2 = runJava(trader, "trader.TraderMain", Map.of());
        assertEquals(0, v2.exitCode(), v2.output());
        assertTrue(v2.output().contains("QUOTE2 quotes@2 ACME 99 101"), v2.output());
        final SystemTestSupport.Result oldAgain = runJava(trader, traderV1Binary, "trader.TraderMain");
        assertEquals(0, oldAgain.exitCode(), oldAgain.output());
        assertTrue(oldAgain.output().contains("QUOTE ACME 99 101"), oldAgain.output());

        // 8. With watcher gone the breaking change builds within major 1; the handshake then refuses the consumers
        // built against the old shape of 'quote', naming that handler and not the unchanged 'count'.
        mustSucceed(cell(root, cellHome, 60, "stop", "quotes"), "cell stop quotes");
        SystemTestSupport.writeQuotesProducer(quotes, "1.2.0", "long bid, long askPrice", "bid, ask");
        mustSucceed(mvn(quotes, Map.of(), "clean", "package"), "mvn package quotes 1.2.0 (no live consumer)");
        mustSucceed(cell(root, cellHome, 240, "mitosis", quotes.toString(), "--detach"), "cell mitosis quotes 1.2");
        final SystemTestSupport.Result refused = runJava(trader, traderV1Binary, "trader.TraderMain");
        assertEquals(3, refused.exitCode(), refused.output());
        assertTrue(refused.output().contains("SchemaMismatch") && refused.output().contains("handler 'quote' was " +
            "built against shape"), refused.output());
        final SystemTestSupport.Result watcherRefused = runJava(watcher, "watcher.WatcherMain", Map.of());
        assertNotEquals(0, watcherRefused.exitCode(), watcherRefused.output());
        assertTrue(watcherRefused.output().contains("handler 'quote' was built against shape") &&
            !watcherRefused.output().contains("handler 'count'"), watcherRefused.output());
    }

    private void assertTraderV1Works(final Path classes, final Path trader) throws Exception
    {
        final SystemTestSupport.Result r = runJava(trader, classes, "trader.TraderMain");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("QUOTE ACME 99 101"), r.output());
        assertTrue(r.output().contains("ERROR UnknownTicker NOPE"), r.output());
    }

    private SystemTestSupport.Result mvn(final Path project, final Map<String, String> env, final String... goals)
        throws IOException, InterruptedException
    {
        final List<String> cmd = new ArrayList<>(List.of(SystemTestSupport.mvn().toString(), "-B", "-q", "-o"));
        for (final String goal : goals)
        {
            if (goal.equals("clean"))
            {
                // What `mvn clean` does, without the clean plugin: these builds are offline, and a fresh machine's
                // repository holds only the plugins the project's own build used.
                SystemTestSupport.deleteTree(project.resolve("target"));
            }
            else
            {
                cmd.add(goal);
            }
        }
        final Map<String, String> all = new HashMap<>(env);
        all.put("CELL_HOME", cellHome.toString());
        return SystemTestSupport.run(project, all, 300, cmd);
    }

    private List<String> javaCommand(final Path project, final Path classes, final String main, final String... args)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(SystemTestSupport.java().toString());
        cmd.addAll(SystemTestSupport.JVM_FLAGS);
        cmd.add("-Dcell.client.name=" + project.getFileName());
        cmd.add("-cp");
        cmd.add(classes + ":" + classes.resolveSibling("lib") + "/*");
        cmd.add(main);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private SystemTestSupport.Result runJava(final Path project, final String main, final Map<String, String> env)
        throws IOException, InterruptedException
    {
        return runJava(project, project.resolve("target/classes"), main);
    }

    private SystemTestSupport.Result runJava(final Path project, final Path classes, final String main)
        throws IOException, InterruptedException
    {
        return SystemTestSupport.run(project, Map.of("CELL_HOME", cellHome.toString()), 60,
            javaCommand(project, classes, main));
    }

    private Process startJava(final Path project, final String main, final Path out, final String... args)
        throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(javaCommand(project, project.resolve("target/classes"),
            main, args)).directory(project.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().put("CELL_HOME", cellHome.toString());
        final Process p = builder.start();
        children.add(p);
        return p;
    }

    private static void waitFor(final Path out, final String text, final Process p) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            final String now = Files.exists(out) ? Files.readString(out) : "";
            if (now.contains(text))
            {
                return;
            }
            if (!p.isAlive())
            {
                fail("exited with " + p.exitValue() + " before printing " + text + ":\n" + now);
            }
            p.waitFor(50, TimeUnit.MILLISECONDS);
        }
        fail("no " + text + " within 60 s:\n" + Files.readString(out));
    }

    private static String fingerprint(final Path genome) throws IOException
    {
        final String json = Files.readString(genome);
        final int at = json.indexOf("\"fingerprint\":\"") + "\"fingerprint\":\"".length();
        return json.substring(at, at + 16);
    }

    private static void copyTree(final Path from, final Path to) throws IOException
    {
        try (Stream<Path> walk = Files.walk(from))
        {
            for (final Path p : walk.toList())
            {
                final Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(target);
                }
                else
                {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static final String TRADER_V1_MAIN = """
        package trader;

        import dev.cell.runtime.CellException;
        import trader.quotes.QuoteResponse;
        import trader.quotes.QuotesClient;
        import trader.quotes.UnknownTicker;

        public final class TraderMain
        {
            public static void main(final String[] args) throws Exception
            {
                try (QuotesClient quotes = QuotesClient.connect())
                {
                    final QuoteResponse q = quotes.quote("ACME");
                    System.out.println("QUOTE " + q.ticker() + " " + q.bid() + " " + q.ask());
                    try
                    {
                        quotes.quote("NOPE");
                        System.out.println("NO ERROR");
                    }
                    catch (final UnknownTicker e)
                    {
                        System.out.println("ERROR UnknownTicker " + e.ticker());
                    }
                }
                catch (final CellException e)
                {
                    System.out.println("FAILED " + e);
                    System.exit(3);
                }
            }
        }
        """;

    private static final String TRADER_V2_MAIN = """
        package trader;

        import trader.quotes.v2.QuoteResponse;
        import trader.quotes.v2.QuotesClient;

        public final class TraderMain
        {
            public static void main(final String[] args) throws Exception
            {
                try (QuotesClient quotes = QuotesClient.connect())
                {
                    final QuoteResponse q = quotes.quote("ACME");
                    System.out.println("QUOTE2 " + QuotesClient.CELL_NAME + " " + q.ticker() + " " + q.bid() + " " +
                        q.askPrice());
                }
            }
        }
        """;

    private static void writeTrader(final Path dir, final String remote, final String expectations,
        final String main) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("trader", ""));
        if (!Files.exists(dir.resolve("cell.toml")))
        {
            write(dir.resolve("cell.toml"), """
                [cell]
                name = "trader"
                """);
        }
        write(dir.resolve("src/main/java/trader/QuotesApi.java"), """
            package trader;

            import dev.cell.runtime.CellRemote;

            @CellRemote("%s")
            public interface QuotesApi
            {
            %s}
            """.formatted(remote, expectations));
        write(dir.resolve("src/main/java/trader/TraderMain.java"), main);
    }

    private static void writeWatcher(final Path dir) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("watcher", ""));
        write(dir.resolve("cell.toml"), """
            [cell]
            name = "watcher"
            """);
        write(dir.resolve("src/main/java/watcher/QuotesRemote.java"), """
            package watcher;

            import dev.cell.runtime.CellRemote;

            @CellRemote("quotes")
            interface QuotesRemote
            {
            }
            """);
        write(dir.resolve("src/main/java/watcher/WatcherMain.java"), """
            package watcher;

            import java.nio.file.Files;
            import java.nio.file.Path;
            import watcher.quotes.QuoteResponse;
            import watcher.quotes.QuotesClient;

            public final class WatcherMain
            {
                public static void main(final String[] args) throws Exception
                {
                    try (QuotesClient quotes = QuotesClient.connect())
                    {
                        System.out.println("COUNT " + quotes.count());
                        final QuoteResponse q = quotes.quote("ACME");
                        System.out.println("QUOTE " + q.ticker() + " " + q.bid() + " " + q.ask());
                        if (args.length == 2 && args[0].equals("hold"))
                        {
                            System.out.println("READY");
                            final long deadline = System.nanoTime() + 300_000_000_000L;
                            while (!Files.exists(Path.of(args[1])) && System.nanoTime() < deadline)
                            {
                                Thread.sleep(20);
                            }
                            final QuoteResponse again = quotes.quote("ACME");
                            System.out.println("QUOTE-AGAIN " + again.ticker() + " " + again.bid() + " " +
                                again.ask());
                        }
                    }
                }
            }
            """);
    }
}
