package dev.cell.cli;

import dev.cell.runtime.JvmFlags;
import dev.cell.tissue.config.TissueConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class InitCommandTest
{
    @TempDir
    Path parent;

    @Test
    void scaffoldsABuildableCellProject() throws IOException
    {
        final Cli cli = Cli.run("init", "order-book", "--dir", parent.toString());
        assertEquals(0, cli.code(), cli.toString());
        final Path dir = parent.resolve("order-book");
        final String src = "src/main/java/dev/cell/app/orderbook/";
        for (final String f : new String[] {"pom.xml", "cell.toml", ".gitignore", "README.md",
            src + "OrderBook.java", src + "GreetRequest.java", src + "Greeting.java", src + "InvalidName.java",
            "src/test/java/dev/cell/app/orderbook/OrderBookTest.java"})
        {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f + " missing; " + cli);
        }

        final String pom = Files.readString(dir.resolve("pom.xml"));
        assertFalse(pom.contains("<parent>"), "standalone pom expected");
        assertTrue(pom.contains("<cell.version>" + CellVersion.version() + "</cell.version>"), pom);
        assertTrue(pom.contains("<artifactId>cell-runtime</artifactId>"), pom);
        assertTrue(pom.contains("<annotationProcessorPaths>") && pom.contains("<artifactId>cell-compiler</artifactId>"),
            pom);
        assertTrue(pom.contains("<version>3.14.1</version>") && pom.contains("<release>25</release>"), pom);
        assertTrue(pom.contains("<version>3.5.4</version>") && pom.contains("<argLine>${jvm.flags}</argLine>"), pom);
        assertTrue(pom.contains("<jvm.flags>" + JvmFlags.joined() + "</jvm.flags>"), pom);
        assertTrue(pom.contains("<junit.version>6.1.3</junit.version>"), pom);

        final TissueConfig config = TissueConfig.load(dir);
        assertEquals("order-book", config.cells().getFirst().name());
        assertEquals("eco", config.cells().getFirst().latencyName());

        final String cell = Files.readString(dir.resolve(src + "OrderBook.java"));
        assertTrue(cell.contains("@Cell(\"order-book\")"), cell);
        assertTrue(cell.contains("package dev.cell.app.orderbook;"), cell);
        assertTrue(cell.contains("public Greeting greet(final GreetRequest request) throws InvalidName"), cell);
        assertTrue(Files.readString(dir.resolve(src + "InvalidName.java")).contains("extends CellError"));
    }

    @Test
    void honoursThePackageOption()
    {
        final Cli cli = Cli.run("init", "hello", "--dir", parent.toString(), "--package", "com.example.hi");
        assertEquals(0, cli.code(), cli.toString());
        assertTrue(Files.isRegularFile(parent.resolve("hello/src/main/java/com/example/hi/Hello.java")));
    }

    @Test
    void refusesToOverwrite() throws IOException
    {
        Files.createDirectories(parent.resolve("hello"));
        Files.writeString(parent.resolve("hello/keep.txt"), "mine");
        final Cli cli = Cli.run("init", "hello", "--dir", parent.toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, cli.code(), cli.toString());
        assertTrue(cli.err().contains("already exists"), cli.toString());
        assertEquals("mine", Files.readString(parent.resolve("hello/keep.txt")));
        assertFalse(Files.exists(parent.resolve("hello/pom.xml")));
    }

    @Test
    void refusesBadNamesAndPackages()
    {
        final Cli name = Cli.run("init", "Order_Book", "--dir", parent.toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, name.code(), name.toString());
        assertTrue(name.err().contains("'Order_Book' is not a cell name"), name.toString());
        final Cli pkg = Cli.run("init", "hello", "--dir", parent.toString(), "--package", "com..x");
        assertEquals(CellCommand.EXIT_USER_ERROR, pkg.code(), pkg.toString());
        assertFalse(Files.exists(parent.resolve("hello")));
    }

    @Test
    void classNamesAvoidTemplateClashes()
    {
        assertEquals("OrderBook", InitCommand.className("order-book"));
        assertEquals("GreetingCell", InitCommand.className("greeting"));
        assertEquals("A1", InitCommand.className("a1"));
    }
}
