package dev.cell.tissue.config;

import dev.cell.tissue.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class TissueTreeTest
{
    @TempDir
    Path dir;

    @Test
    void readsANestedTreeChildrenFirstAndSharesAFolderListedTwice() throws IOException
    {
        write("cell.toml", "[tissue]\nname = \"shop\"\n[cells]\nfront = { path = \"front\", replicas = 2 }\n" +
            "[resources]\nmemory = { max = \"2g\" }\n");
        write("front/cell.toml", "[cell]\nname = \"front\"\n[cells]\norders = { path = \"../orders\" }\n" +
            "catalog = { path = \"../catalog\", replicas = 2 }\n[resources]\nmemory = \"256m\"\ncpu = 1\n");
        write("orders/cell.toml", "[cell]\nname = \"orders\"\n[cells]\nledger = { path = \"../ledger\" }\n" +
            "catalog = { path = \"../catalog\", replicas = 2 }\n[life_cycle]\nidle_timeout = \"5s\"\n" +
            "max_restarts = 2\n");
        write("ledger/cell.toml", "[cell]\nname = \"ledger\"\n");
        write("catalog/cell.toml",
            "[cell]\nname = \"catalog\"\n[resources]\nmemory = { min = \"64m\", max = \"128m\" }\n");

        final TissueTree tree = TissueTree.load(dir);
        assertEquals("shop", tree.name());
        assertEquals(List.of("ledger", "catalog", "orders", "front"),
            tree.cells().stream().map(n -> n.cell().name()).toList(), "children first, a shared folder once");
        final TissueTree.Node orders = tree.node("orders");
        assertEquals(List.of("ledger", "catalog"),
            tree.dependencies(orders).stream().map(n -> n.cell().name()).toList());
        assertEquals(5_000, orders.lifeCycle().idleTimeout().toMillis());
        assertEquals(2, orders.lifeCycle().maxRestarts());
        assertEquals(128L << 20, (long)tree.node("catalog").resources().max(Resources.Kind.MEMORY));
        assertEquals(1.0, tree.node("front").resources().max(Resources.Kind.CPU));
        assertEquals(2, tree.node("front").replicas());
    }

    @Test
    void aStatefulCellStartsItsStateReplicasUnlessItsEntrySaysOtherwise() throws IOException
    {
        write("kv/cell.toml",
            "[cell]\nname = \"kv\"\n[state]\nreplicas = 5\n[deps]\nclock = { path = \"../clock\" }\n");
        assertEquals(5, TissueTree.load(dir.resolve("kv")).node("kv").replicas(), "run directly: its [state] replicas");
        write("cell.toml", "[cells]\nkv = { path = \"kv\" }\n");
        assertEquals(5, TissueTree.load(dir).node("kv").replicas(), "an entry without replicas: its [state] replicas");
        write("cell.toml", "[cells]\nkv = { path = \"kv\", replicas = 1 }\n");
        assertEquals(1, TissueTree.load(dir).node("kv").replicas(), "the entry wins");
        write("kv/cell.toml", "[cell]\nname = \"kv\"\n[state]\n");
        write("cell.toml", "[cells]\nkv = { path = \"kv\" }\n");
        assertEquals(3, TissueTree.load(dir).node("kv").replicas(), "a [state] table means 3 by default");
        write("plain/cell.toml", "[cell]\nname = \"plain\"\n");
        assertEquals(1, TissueTree.load(dir.resolve("plain")).node("plain").replicas());
    }

    @Test
    void aDependencyCycleIsPrintedWithFilesAndLines() throws IOException
    {
        write("cell.toml",
            "[cells]\na = { path = \"a\", depends_on = [\"b\"] }\nb = { path = \"b\", depends_on = [\"c\"] }\n" +
            "c = { path = \"c\", depends_on = [\"a\"] }\n");
        write("a/cell.toml", "[cell]\nname = \"a\"\n");
        write("b/cell.toml", "[cell]\nname = \"b\"\n");
        write("c/cell.toml", "[cell]\nname = \"c\"\n");
        final String message = error();
        assertTrue(message.contains("dependency cycle: a -> b -> c -> a"), message);
        assertTrue(message.contains(dir.resolve("cell.toml") + ":2"), message);
        assertTrue(message.contains("a waits for b by depends_on at " + dir.resolve("cell.toml") + ":2"), message);
    }

    @Test
    void aCycleThroughChildrenIsFound() throws IOException
    {
        write("cell.toml", "[cells]\nparent = { path = \"p\" }\n");
        write("p/cell.toml", "[cell]\nname = \"parent\"\n[cells]\nkid = { path = \"k\", depends_on = [\"parent\"] }\n");
        write("p/k/cell.toml", "[cell]\nname = \"kid\"\n");
        final String message = error();
        assertTrue(message.contains("dependency cycle:") && message.contains("parent") && message.contains("kid"),
            message);
        assertTrue(message.contains("as its child at " + dir.resolve("p/cell.toml") + ":4"), message);
    }

    @Test
    void aFolderContainingItselfIsACycle() throws IOException
    {
        write("cell.toml", "[cells]\nloop = { path = \"l\" }\n");
        write("l/cell.toml", "[cells]\nback = { path = \"..\" }\n");
        final String message = error();
        assertTrue(message.contains(dir.resolve("l/cell.toml") + ":2: cycle in [cells] paths"), message);
    }

    @Test
    void everyWrongPathIsReportedWithItsLine() throws IOException
    {
        write("cell.toml", "[cells]\nok = { path = \"ok\" }\nmissing = { path = \"nope\" }\n");
        write("ok/cell.toml", "[cell]\nname = \"ok\"\n[cells]\nalso = { path = \"gone\" }\n");
        final String message = error();
        assertTrue(message.startsWith("2 problems, nothing was started"), message);
        assertTrue(message.contains(dir.resolve("cell.toml") + ": cells.missing.path = \"nope\": no such folder"),
            message);
        assertTrue(message.contains("(line 3)"), message);
        assertTrue(message.contains(dir.resolve("ok/cell.toml") + ": cells.also.path = \"gone\""), message);
    }

    @Test
    void duplicateNamesAreReportedWithBothPlaces() throws IOException
    {
        write("cell.toml", "[cells]\nfirst = { path = \"x\" }\nsecond = { path = \"y\" }\n");
        write("x/cell.toml", "[cell]\nname = \"same\"\n");
        write("y/cell.toml", "[cell]\nname = \"same\"\n");
        final String message = error();
        assertTrue(message.contains(dir.resolve("cell.toml") + ":3: duplicate cell name 'same'"), message);
        assertTrue(message.contains("listed at " + dir.resolve("cell.toml") + ":2"), message);
    }

    @Test
    void childrenAskingForMoreThanTheirTissueAreReported() throws IOException
    {
        write("cell.toml", "[cells]\nbig = { path = \"big\", replicas = 2 }\nsmall = { path = \"small\" }\n" +
            "[resources]\nmemory = { max = \"512m\" }\ncpu = 4\n");
        write("big/cell.toml", "[cell]\nname = \"big\"\n[resources]\nmemory = \"200m\"\ncpu = 1\n");
        write("small/cell.toml", "[cell]\nname = \"small\"\n[resources]\nmemory = \"200m\"\n");
        final String message = error();
        assertTrue(message.contains(dir.resolve("cell.toml") + ":5: resources over-committed"), message);
        assertTrue(message.contains("memory max 600 MiB in all"), message);
        assertTrue(message.contains("more than its own memory max 512 MiB"), message);
        assertTrue(!message.contains("cpu max"), "cpu (2 of 4 cores) fits: " + message);
    }

    @Test
    void badResourceValuesNameKeyAndLine() throws IOException
    {
        write("cell.toml", "[cell]\nname = \"x\"\n[resources]\nmemory = \"lots\"\n");
        assertTrue(error().contains("resources.memory (line 4) = \"lots\" is not a size"), error());
        write("cell.toml", "[cell]\nname = \"x\"\n[resources]\ncpu = { min = 2, max = 1 }\n");
        assertTrue(error().contains("min 2 cores is above max 1 core"), error());
        write("cell.toml", "[cell]\nname = \"x\"\n[life_cycle]\nidle_timeout = 5\n");
        assertTrue(error().contains("life_cycle.idle_timeout = 5 must be a duration string"), error());
    }

    private String error()
    {
        return assertThrows(UserError.class, () -> TissueTree.load(dir)).getMessage();
    }

    private void write(final String file, final String text) throws IOException
    {
        final Path p = dir.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
