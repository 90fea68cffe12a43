package dev.cell.compiler;

import dev.cell.runtime.discovery.RegistryView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer's build against the consumers other hosts recorded in the registry, as this host's registry agent
 * writes them ({@code $CELL_HOME/registry/uses/<cell>}): a use of a handler this build changes or removes fails the
 * compile naming the consumer and its host; a use from this host is left to this host's own consumer records; a file
 * its agent stopped rewriting is not trusted, and the build says that remote consumers were not checked.
 */
class ProducerGuardTest
{
    private static final String PRODUCER = """
        package quotes;

        import dev.cell.runtime.Cell;

        @Cell("quotes")
        public final class Quotes
        {
            public long count() { return 1; }
        }
        """;

    private String savedHome;
    private Path home;

    @BeforeEach
    void isolateCellHome() throws IOException
    {
        savedHome = System.getProperty("cell.home");
        home = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("cell.test.tmp",
            "target/cell-test"))).toAbsolutePath(), "guard-home-");
        System.setProperty("cell.home", home.toString());
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

    private void recorded(final String... lines) throws IOException
    {
        Files.createDirectories(RegistryView.usesDir(home));
        Files.writeString(RegistryView.usesDir(home).resolve("quotes"), String.join("", lines));
    }

    private static String errors(final Compilation.Result r)
    {
        final StringBuilder b = new StringBuilder();
        r.of(Diagnostic.Kind.ERROR).forEach(d -> b.append(d.getMessage(Locale.ROOT)).append('\n'));
        return b.toString();
    }

    @Test
    void aConsumerOnAnotherHostBlocksABreakingChangeAndIsNamedWithItsHost() throws IOException
    {
        recorded(RegistryView.useLine("trader", "host-b", "ed25519:abc", "count", "00000000000000ff"),
            RegistryView.useLine("auditor", "host-c", "ed25519:def", "quote", "0000000000000001"));
        final Compilation.Result r = Compilation.compile("guard-remote", Map.of("quotes/Quotes.java", PRODUCER));
        assertFalse(r.success(), r.report());
        final String errors = errors(r);
        assertTrue(errors.contains("breaking change to handler 'count' of cell 'quotes', which consumer 'trader' " +
            "on host 'host-b' (ed25519:abc) still uses: it was built against handler shape 00000000000000ff"), errors);
        assertTrue(errors.contains("handler 'quote' of cell 'quotes', which consumer 'auditor' on host 'host-c'") &&
            errors.contains("this build removes the handler"), errors);
        assertTrue(errors.contains("recorded in the registry: " + RegistryView.usesDir(home).resolve("quotes")),
            errors);
    }

    @Test
    void aUseFromThisHostIsLeftToItsConsumerRecordsAndAStaleFileIsNotTrusted() throws IOException
    {
        recorded(RegistryView.useLine("trader", RegistryView.hostLabel(), "ed25519:abc", "count", "00000000000000ff"));
        Compilation.compile("guard-local", Map.of("quotes/Quotes.java", PRODUCER)).assertSuccess();

        recorded(RegistryView.useLine("trader", "host-b", "ed25519:abc", "count", "00000000000000ff"));
        Files.setLastModifiedTime(RegistryView.usesDir(home).resolve("quotes"),
            FileTime.fromMillis(System.currentTimeMillis() - RegistryView.MAX_AGE_MS - 1_000));
        final Compilation.Result stale = Compilation.compile("guard-stale", Map.of("quotes/Quotes.java", PRODUCER))
            .assertSuccess();
        assertEquals(1, stale.of(Diagnostic.Kind.NOTE).stream().filter(d -> d.getMessage(Locale.ROOT)
            .contains("no registry replica answers on this host")).count(), stale.report());
    }
}
