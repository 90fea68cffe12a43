package dev.cell.tissue.config;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code [axon]}, {@code [auth]} and {@code [deps]} endpoints: what a good file yields, and each mistake refused with
 * its file and line.
 */
@Timeout(30)
class AxonConfigTest
{
    private static String alice;
    private static String bob;
    private static String carol;

    @TempDir
    Path dir;

    @BeforeAll
    static void identities(@TempDir final Path keys)
    {
        alice = Identity.loadOrCreate(keys.resolve("alice.key")).publicId();
        bob = Identity.loadOrCreate(keys.resolve("bob.key")).publicId();
        carol = Identity.loadOrCreate(keys.resolve("carol.key")).publicId();
    }

    @Test
    void readsTheTablesAndResolvesKeyFilesInOrderWithoutDuplicates() throws IOException
    {
        write("keys/traders.pub", "# the trading desks\n\n" + bob + "   # desk 1\n" + alice + "\n  " + carol + "\n");
        write("cell.toml", """
            [cell]
            name = "exchange"

            [axon]
            listen = "0.0.0.0:7400"
            advertise = "203.0.113.7:17400"
            plaintext = true

            [auth]
            allowed_keys = ["%s", "keys/traders.pub"]
            owners = ["%s"]

            [deps]
            pricing = { path = "../pricing", endpoint = "10.1.0.2:7400", key = "%s" }
            clock = { path = "../clock", endpoint = "clock.internal:7401" }
            store = { path = "../store" }
            """.formatted(alice, carol, bob));
        final TissueConfig.CellSpec cell = TissueConfig.load(dir).cells().getFirst();
        assertEquals("0.0.0.0:7400", cell.axonListen());
        assertEquals("203.0.113.7:17400", cell.axon().advertise());
        assertTrue(cell.axonPlaintext());
        assertEquals(List.of(alice, bob, carol), cell.allowedKeys(), "inline first, then the file's, each once");
        assertEquals(List.of(carol), cell.owners());
        assertEquals(List.of("clock", "pricing"), cell.remoteDeps().stream().map(CellDeps.Dep::name).toList(),
            "only the deps with an endpoint, by name");
        final CellDeps.Dep pricing = cell.remoteDeps().get(1);
        assertEquals("10.1.0.2:7400", pricing.endpoint());
        assertEquals(bob, pricing.key());
        assertNull(cell.remoteDeps().getFirst().key());

        final CellDeps deps = CellDeps.read(dir);
        assertEquals("10.1.0.2:7400", deps.deps().get("pricing").endpoint());
        assertNull(deps.deps().get("store").endpoint());
        assertNull(deps.deps().get("store").key());
        assertEquals(cell, TissueConfig.loadCell(dir), "a cell read alone gets the same settings");
    }

    @Test
    void withoutTheTablesThereIsNoListenerAndNoKey() throws IOException
    {
        write("cell.toml", "[cell]\nname = \"exchange\"\n[deps]\npricing = { path = \"../pricing\" }\n");
        final TissueConfig.CellSpec cell = TissueConfig.load(dir).cells().getFirst();
        assertNull(cell.axonListen());
        assertFalse(cell.axonPlaintext());
        assertEquals(List.of(), cell.allowedKeys());
        assertEquals(List.of(), cell.owners());
        assertEquals(List.of(), cell.remoteDeps());
        assertFalse(cell.axon().declared());
        write("cell.toml", "[cell]\nname = \"exchange\"\n[axon]\n");
        assertNull(TissueConfig.load(dir).cells().getFirst().axonListen(), "an empty [axon]: no listener");
    }

    @Test
    void aChildCellOfATissueCarriesItsOwnSettings() throws IOException
    {
        write("cell.toml", "[cells]\nexchange = { path = \"exchange\" }\ntrader = { path = \"trader\" }\n");
        write("exchange/cell.toml", "[cell]\nname = \"exchange\"\n[axon]\nlisten = \"[::1]:0\"\n");
        write("trader/cell.toml", "[cell]\nname = \"trader\"\n[deps]\nexchange = { path = \"../exchange\", " +
            "endpoint = \"[::1]:7400\" }\n");
        final TissueTree tree = TissueTree.load(dir);
        assertEquals("[::1]:0", tree.node("exchange").cell().axonListen());
        assertNull(tree.node("trader").cell().axonListen());
        assertEquals("[::1]:7400", tree.node("trader").cell().remoteDeps().getFirst().endpoint());
    }

    @Test
    void endpointsAreHostColonPort()
    {
        for (final String good : List.of("0.0.0.0:7400", "127.0.0.1:0", "localhost:65535", "exchange-1.example.com:1",
            "[::1]:7400", "[fe80::1:2]:9", "[::ffff:10.0.0.1]:7400"))
        {
            assertNull(AxonConfig.endpointProblem(good, true), good);
        }
        assertEquals("no port", AxonConfig.endpointProblem("10.0.0.1", true));
        assertEquals("no host", AxonConfig.endpointProblem(":7400", true));
        assertEquals("port 65536 is not from 0 to 65535", AxonConfig.endpointProblem("h:65536", true));
        assertEquals("port 0 is not from 1 to 65535", AxonConfig.endpointProblem("h:0", false));
        assertEquals("port '' is not a number from 0 to 65535", AxonConfig.endpointProblem("h:", true));
        assertEquals("port '-1' is not a number from 0 to 65535", AxonConfig.endpointProblem("h:-1", true));
        assertEquals("'256.0.0.1' is not an IPv4 address (four numbers 0 to 255)",
            AxonConfig.endpointProblem("256.0.0.1:1", true));
        assertEquals("'10.0.1' is not an IPv4 address (four numbers 0 to 255)",
            AxonConfig.endpointProblem("10.0.1:1", true));
        assertEquals("an IPv6 address needs brackets, e.g. [::1]:7400", AxonConfig.endpointProblem("::1:7400", true));
        assertEquals("'[zz::1]' is not a bracketed IPv6 address such as [::1]",
            AxonConfig.endpointProblem("[zz::1]:1", true));
        assertEquals("'[::1' is not a bracketed IPv6 address such as [::1]",
            AxonConfig.endpointProblem("[::1:7400", true));
        for (final String badHost : List.of("ho_st", "a..b", "-a", "a-", "a b"))
        {
            assertEquals("'" + badHost + "' is not a host name (letters, digits, '-' and dots)",
                AxonConfig.endpointProblem(badHost + ":1", true), badHost);
        }
    }

    @Test
    void axonMistakesNameTheirLine() throws IOException
    {
        final String head = "[cell]\nname = \"exchange\"\n\n[axon]\n";
        assertError(head + "listen = 7400\n", 5, "axon.listen = 7400: not a string");
        assertError(head + "listen = \"10.0.0.1\"\n", 5, "axon.listen = \"10.0.0.1\": no port");
        assertError(head + "listen = \"0.0.0.0:70000\"\n", 5, "port 70000 is not from 0 to 65535");
        assertError(head + "plaintext = \"yes\"\n", 5, "axon.plaintext = \"yes\" must be true or false");
        assertError(head + "listen = \"0.0.0.0:1\"\nport = 7400\n", 6, "unknown key 'axon.port'");
        assertError(head + "listen = \"0.0.0.0:1\"\nadvertise = \"10.0.0.1:0\"\n", 6, "axon.advertise = " +
            "\"10.0.0.1:0\": port 0 is not from 1");
        assertError(head + "advertise = \"10.0.0.1:7400\"\n", 5, "there is no listen to advertise");
        assertError("axon = 1\n[cell]\nname = \"exchange\"\n", 1, "'axon' must be a table ([axon])");
        assertError("[cells]\nexchange = { path = \"exchange\" }\n[axon]\nlisten = \"0.0.0.0:1\"\n", 3,
            "[axon] is a cell's setting, but this file has no [cell] table", "exchange/cell.toml",
            "[cell]\nname = \"exchange\"\n");
    }

    @Test
    void authMistakesNameTheirLine() throws IOException
    {
        final String head = "[cell]\nname = \"exchange\"\n\n[auth]\n";
        assertError(head + "allowed = []\n", 5, "unknown key 'auth.allowed'");
        assertError(head + "allowed_keys = \"" + alice + "\"\n", 5, "auth.allowed_keys = \"" + alice +
            "\" must be a list of strings");
        assertError(head + "allowed_keys = [\n  \"" + alice + "\",\n  7,\n]\n", 7, "auth.allowed_keys[1] = 7 must be " +
            "a string");
        assertError(head + "allowed_keys = [\n  \"" + alice + "\",\n  \"ed25519:AAAA\",\n]\n", 7,
            "auth.allowed_keys[1] = \"ed25519:AAAA\" is not an Ed25519 public identity");
        assertError(head + "owners = [\"" + alice + "\", \"" + bob.substring(1) + "\"]\n", 5,
            "auth.owners[1] = \"" + bob.substring(1) + "\" is not an Ed25519 public identity");
        assertError(head + "owners = \"x\"\n", 5, "auth.owners = \"x\" must be a list of strings");
        assertError("[cells]\nexchange = { path = \"exchange\" }\n\n[auth]\nowners = []\n", 4,
            "[auth] is a cell's setting", "exchange/cell.toml", "[cell]\nname = \"exchange\"\n");
    }

    @Test
    void keyFilesAreReadWhenTheConfigurationIs() throws IOException
    {
        final String head = "[cell]\nname = \"exchange\"\n\n[auth]\nallowed_keys = [\n  \"" + alice + "\",\n";
        assertError(head + "  \"keys/none.pub\",\n]\n", 7, "auth.allowed_keys[1] = \"keys/none.pub\" is neither an " +
            "identity (ed25519:...) nor a file: no such file " + dir.resolve("keys/none.pub"));

        final Path keys = write("keys/desk.pub", "# desks\n" + bob + "\n\n" + bob.replace('A', '!') + "x\n");
        write("cell.toml", head + "  \"keys/desk.pub\",\n]\n");
        final ConfigError bad = assertThrows(ConfigError.class, () -> TissueConfig.load(dir));
        assertEquals(keys, bad.file(), "the problem is in the key file");
        assertEquals(4, bad.line());
        assertTrue(bad.getMessage().startsWith(keys + ":4: '"), bad.getMessage());
        assertTrue(bad.getMessage().contains("is not an Ed25519 public identity"), bad.getMessage());
        assertTrue(bad.getMessage().contains("listed in " + dir.resolve("cell.toml") + " auth.allowed_keys (line 7)"),
            bad.getMessage());

        write("keys/desk.pub", "# nobody yet\n\n");
        final ConfigError empty = assertThrows(ConfigError.class, () -> TissueConfig.load(dir));
        assertEquals(keys, empty.file());
        assertTrue(empty.getMessage().contains(keys + " holds no identity"), empty.getMessage());
    }

    @Test
    void depEndpointMistakesNameTheirLine() throws IOException
    {
        final String head = "[cell]\nname = \"trader\"\n\n[deps]\n";
        assertError(head + "exchange = { path = \"../exchange\", endpoint = \"10.1.0.2\" }\n", 5,
            "[deps] exchange.endpoint = \"10.1.0.2\": no port");
        assertError(head + "exchange = { path = \"../exchange\", endpoint = \"10.1.0.2:0\" }\n", 5,
            "port 0 is not from 1 to 65535");
        assertError(head + "exchange = { path = \"../exchange\", endpoint = 7400 }\n", 5,
            "[deps] exchange.endpoint = 7400 must be a string");
        assertError(head + "exchange = { path = \"../exchange\", key = \"" + alice + "\" }\n", 5,
            "[deps] exchange.key is the identity expected at an endpoint, but there is no endpoint");
        assertError(head + "exchange = { path = \"../exchange\", endpoint = \"h:1\", key = \"ed25519:x\" }\n", 5,
            "[deps] exchange.key = \"ed25519:x\" is not an Ed25519 public identity");
        assertError(head + "\"ex.change\" = { path = \"../exchange\", endpoint = \"h:1\" }\n", 5,
            "it is handed to the instance as -Dcell.endpoint.ex.change");
        assertError(head + "exchange = { path = \"../exchange\", hedge = true }\n", 5,
            "[deps] exchange.hedge sends a slow call to a second instance, which needs race = true");
        assertError(head + "exchange = { path = \"../exchange\", race = true, hedge = \"p100\" }\n", 5,
            "[deps] exchange.hedge = \"p100\" must be true, false, a percentile such as \"p95\"");
        assertError(head + "exchange = { path = \"../exchange\", race = true, hedge = \"fast\" }\n", 5,
            "[deps] exchange.hedge = \"fast\" must be true, false");
        assertError(head + "exchange = { path = \"../exchange\", race = \"yes\" }\n", 5,
            "[deps] exchange.race = \"yes\" must be true or false");
        assertError(head + "exchange = { path = \"../exchange\", endpont = \"h:1\" }\n", 5,
            "unknown key 'deps.exchange.endpont'");
        assertError(head + "[deps.exchange]\npath = \"../exchange\"\n\nendpoint = \"h:99999\"\n", 8,
            "port 99999 is not from 1 to 65535");
    }

    private void assertError(final String toml, final int line, final String expected) throws IOException
    {
        write("cell.toml", toml);
        final ConfigError ex = assertThrows(ConfigError.class, () -> TissueConfig.load(dir), toml);
        assertEquals(dir.resolve("cell.toml"), ex.file(), ex.getMessage());
        assertEquals(line, ex.line(), ex.getMessage());
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
        assertTrue(ex.getMessage().startsWith(dir.resolve("cell.toml") + ":"), ex.getMessage());
        assertTrue(ex.getMessage().contains("(line " + line + ")"), ex.getMessage());
    }

    private void assertError(final String toml, final int line, final String expected, final String other,
        final String otherToml) throws IOException
    {
        write(other, otherToml);
        assertError(toml, line, expected);
    }

    private Path write(final String relative, final String text) throws IOException
    {
        final Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }
}
