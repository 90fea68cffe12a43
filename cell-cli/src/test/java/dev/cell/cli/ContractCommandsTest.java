package dev.cell.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell add}, {@code cell lock} and {@code cell genome --diff} in-process, against producer sources in
 * folders (the genome derived with javac -proc:only, nothing running).
 */
class ContractCommandsTest
{
    private static Path dir(final String name) throws Exception
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base.toAbsolutePath(), name + "-");
    }

    private static void producer(final Path dir, final String fields) throws Exception
    {
        final Path src = Files.createDirectories(dir.resolve("src/main/java/p"));
        Files.writeString(src.resolve("Prices.java"), """
            package p;

            import dev.cell.runtime.Cell;
            import dev.cell.runtime.Since;

            @Cell("prices")
            public final class Prices
            {
                public record Price(%s) {}

                public Price price(final String ticker)
                {
                    return null;
                }

                public long count()
                {
                    return 0;
                }
            }
            """.formatted(fields));
    }

    @Test
    void addsDependenciesLocksThemReportsStaleLocksAndDiffsGenomes() throws Exception
    {
        final Path root = dir("contract-cli");
        final Path producer = root.resolve("prices");
        producer(producer, "long bid, long ask");
        final Path consumer = Files.createDirectories(root.resolve("consumer"));
        Files.writeString(consumer.resolve("cell.toml"), "[cell]\nname = \"consumer\"\n");
        final Path api = Files.createDirectories(consumer.resolve("src/main/java/c")).resolve("Api.java");
        Files.writeString(api, "package c;\n\n@dev.cell.runtime.CellRemote(\"prices\")\ninterface Api\n{\n}\n");
        final String home = root.resolve("home").toString();
        System.setProperty("cell.home", home);
        try
        {
            final Cli bad = Cli.run("add", "prices", "--path", "../nowhere", "--dir", consumer.toString());
            assertEquals(1, bad.code(), bad.toString());
            assertTrue(bad.err().contains("no folder"), bad.toString());
            final Cli noTag = Cli.run("add", "prices", "--git", "file:///x", "--dir", consumer.toString());
            assertEquals(1, noTag.code(), noTag.toString());
            assertTrue(noTag.err().contains("--tag"), noTag.toString());

            final Cli add = Cli.run("add", "prices", "--path", "../prices", "--dir", consumer.toString());
            assertEquals(0, add.code(), add.toString());
            assertTrue(Files.readString(consumer.resolve("cell.toml")).contains("[deps]\nprices = { path = " +
                "\"../prices\" }"), Files.readString(consumer.resolve("cell.toml")));
            // Adding again replaces the entry instead of duplicating it.
            assertEquals(0, Cli.run("add", "prices", "--path", "../prices", "--dir", consumer.toString()).code());
            final String toml = Files.readString(consumer.resolve("cell.toml"));
            assertEquals(toml.indexOf("prices = "), toml.lastIndexOf("prices = "), toml);

            final Cli lock = Cli.run("lock", "--dir", consumer.toString());
            assertEquals(0, lock.code(), lock.toString());
            assertTrue(lock.out().contains("pinned   prices 1.0.0"), lock.toString());
            final Path pinned = consumer.resolve(".cell-genomes/prices.genome.json");
            assertTrue(Files.isRegularFile(pinned));
            assertTrue(Cli.run("lock", "--dir", consumer.toString()).out().contains("ok       prices"));

            // An optional field: compatible; the lock is stale all the same until updated.
            producer(producer, "long bid, long ask, @Since(1) long volume");
            final Cli compatible = Cli.run("genome", pinned.toString(), "--diff", producer.toString());
            assertEquals(0, compatible.code(), compatible.toString());
            assertTrue(compatible.out().contains("handler price: compatible") &&
                compatible.out().contains("handler count: unchanged"), compatible.toString());
            final Cli stale = Cli.run("lock", "--dir", consumer.toString());
            assertEquals(1, stale.code(), stale.toString());
            assertTrue(stale.out().contains("STALE") && stale.err().contains("cell lock --update"),
                stale.toString());

            // A renamed field: breaking, named.
            producer(producer, "long bidPrice, long ask");
            final Cli breaking = Cli.run("genome", pinned.toString(), "--diff", producer.toString());
            assertEquals(GenomeDiffReport.EXIT_BREAKING, breaking.code(), breaking.toString());
            assertTrue(breaking.out().contains("handler price: BREAKING") &&
                breaking.out().contains("result field 'bid' (int64): removed or renamed") &&
                breaking.out().contains("handler count: unchanged"), breaking.toString());

            final Cli update = Cli.run("lock", "--update", "--dir", consumer.toString());
            assertEquals(0, update.code(), update.toString());
            assertTrue(update.out().contains("updated  prices"), update.toString());
            assertTrue(Files.readString(pinned).contains("bidPrice"));

            // The consumer moves to major 2: the lock pins prices@2 and drops the entry no source uses.
            final Path source = producer.resolve("src/main/java/p/Prices.java");
            Files.writeString(source, Files.readString(source).replace("@Cell(\"prices\")",
                "@Cell(value = \"prices\", version = \"2.0.0\")"));
            Files.writeString(api, Files.readString(api).replace("\"prices\"", "\"prices@2\""));
            final Cli unused = Cli.run("lock", "--dir", consumer.toString());
            assertEquals(0, unused.code(), unused.toString());
            assertTrue(unused.out().contains("unused   prices ") && unused.out().contains("pinned   prices@2 2.0.0"),
                unused.toString());
            final Cli moved = Cli.run("lock", "--update", "--dir", consumer.toString());
            assertEquals(0, moved.code(), moved.toString());
            assertTrue(moved.out().contains("removed  prices "), moved.toString());
            final String lockText = Files.readString(consumer.resolve("Cell.lock"));
            assertTrue(lockText.contains("[deps.\"prices@2\"]") && !lockText.contains("[deps.\"prices\"]"),
                lockText);
            assertTrue(!Files.exists(pinned));
        }
        finally
        {
            System.clearProperty("cell.home");
        }
    }

    /**
     * A dependency from a signed git release pins its owner key in {@code Cell.lock} (as {@code cell build} records
     * it): {@code cell lock} reports a {@code cell.toml} owner that differs from the lock's as stale, naming both,
     * and {@code cell lock --update} takes the new key and drops the old key's release pin.
     */
    @Test
    void aChangedOwnerKeyIsStaleUntilTheLockIsUpdated() throws Exception
    {
        final Path root = dir("owner-lock");
        final Path repo = root.resolve("prices-repo");
        producer(repo, "long bid, long ask");
        Files.writeString(repo.resolve("cell.toml"), "[cell]\nname = \"prices\"\n");
        try (org.eclipse.jgit.api.Git git = org.eclipse.jgit.api.Git.init().setDirectory(repo.toFile()).call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("v1").setAuthor("t", "t@localhost").setCommitter("t", "t@localhost")
                .setSign(false).call();
            git.tag().setName("v1").setAnnotated(false).call();
        }
        final String oldOwner = dev.cell.runtime.identity.Identity.loadOrCreate(root.resolve("old.key")).publicId();
        final String newOwner = dev.cell.runtime.identity.Identity.loadOrCreate(root.resolve("new.key")).publicId();
        final Path consumer = Files.createDirectories(root.resolve("consumer"));
        Files.writeString(consumer.resolve("cell.toml"), """
            [cell]
            name = "consumer"

            [deps]
            prices = { git = "%s", tag = "v1", owner = "%s" }
            """.formatted(repo.toUri(), newOwner));
        Files.writeString(Files.createDirectories(consumer.resolve("src/main/java/c")).resolve("Api.java"),
            "package c;\n\n@dev.cell.runtime.CellRemote(\"prices\")\ninterface Api\n{\n}\n");
        System.setProperty("cell.home", root.resolve("home").toString());
        try
        {
            assertEquals(0, Cli.run("lock", "--dir", consumer.toString()).code());
            // What a build that verified a spawn signed by the old key left in the lock.
            dev.cell.tissue.config.CellLock.read(consumer).withRelease("prices", oldOwner, "v1", "a".repeat(64));

            final Cli stale = Cli.run("lock", "--dir", consumer.toString());
            assertEquals(1, stale.code(), stale.toString());
            assertTrue(stale.out().contains("STALE") && stale.out().contains(oldOwner) &&
                stale.out().contains(newOwner), stale.toString());

            final Cli updated = Cli.run("lock", "--update", "--dir", consumer.toString());
            assertEquals(0, updated.code(), updated.toString());
            assertTrue(updated.out().contains("owner    prices " + oldOwner + " -> " + newOwner), updated.toString());
            final dev.cell.tissue.config.CellLock.Entry e = dev.cell.tissue.config.CellLock.read(consumer).entries()
                .get("prices");
            assertEquals(java.util.List.of(newOwner, "", ""), java.util.List.of(e.owner(), e.release(),
                e.artifactSha256()));
            assertEquals(0, Cli.run("lock", "--dir", consumer.toString()).code(), "no longer stale");
        }
        finally
        {
            System.clearProperty("cell.home");
        }
    }
}
