package dev.cell.cli;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --endpoint}/{@code --key} of {@code cell call}, {@code cell genome} and {@code cell bench} against an
 * in-process {@code probe} instance whose axon listens on loopback, from a cell home that has no instances (so only
 * the axon can reach it); {@code cell id <dir>}; the axon endpoint in {@code cell ps}.
 */
@Timeout(60)
class RemoteCommandsTest
{
    @TempDir
    Path tmp;

    private CellHomeProperty cellHome;
    private Path serverHome;
    private Path cellDir;
    private CellServer server;
    private String endpoint;

    @BeforeEach
    void setUp() throws Exception
    {
        serverHome = Files.createDirectories(tmp.resolve("server-home"));
        cellDir = Files.createDirectories(tmp.resolve("probe"));
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"probe\"\n");
        final ProbeBinding probe = new ProbeBinding();
        server = CellServer.start("probe", probe.genome(), probe.dispatcher(probe.newCell()), null, cellDir,
            ServerOptions.defaults().withCellHome(serverHome).withIdleProfile(IdleProfile.ECO)
                .withInstanceId("probe-axon-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                .withAxon(new AxonOptions("127.0.0.1:0", false, Set.of(), null)));
        endpoint = server.record().axon();
        assertNotNull(endpoint, "the instance registers its axon endpoint");
        cellHome = CellHomeProperty.set(Files.createDirectories(tmp.resolve("client-home")));
    }

    @AfterEach
    void tearDown()
    {
        if (null != server)
        {
            server.close();
        }
        if (cellHome != null)
        {
            cellHome.close();
        }
    }

    @Test
    void callGenomeAndBenchReachTheInstanceOverItsAxon()
    {
        final Cli local = Cli.run("call", "probe", "ping", "{\"value\":7}");
        assertEquals(CellCommand.EXIT_SDK_FAILURE, local.code(), local.toString());
        assertTrue(local.err().contains("no live instance of cell 'probe' on this host"), local.toString());

        // The key `cell id` prints for the cell's folder is the one its instance proves.
        final Cli id = Cli.run("id", cellDir.toString());
        assertEquals(0, id.code(), id.toString());
        final String key = id.out().trim();
        assertTrue(key.startsWith(Identity.PREFIX), id.toString());

        final Cli call = Cli.run("call", "probe", "ping", "{\"value\":7}", "--endpoint", endpoint, "--key", key,
            "--timeout", "10s");
        assertEquals(0, call.code(), call.toString());
        assertEquals("{\"value\":7}", call.out().trim(), call.toString());
        final Cli anyKey = Cli.run("call", "probe", "ping", "{\"value\":-3}", "--endpoint", endpoint);
        assertEquals(0, anyKey.code(), anyKey.toString());
        assertEquals("{\"value\":-3}", anyKey.out().trim(), anyKey.toString());

        final Cli genome = Cli.run("genome", "probe", "--endpoint", endpoint, "--key", key);
        assertEquals(0, genome.code(), genome.toString());
        assertTrue(genome.out().startsWith("cell         probe\n"), genome.toString());
        assertTrue(genome.out().contains("from         running instance " + server.instanceId() + " at " +
            endpoint + "\n") && genome.out().contains("  ping(PingRequest) -> PingResponse"), genome.toString());

        final Cli bench = Cli.run("bench", "probe", "ping", "{\"value\":1}", "--endpoint", endpoint, "--key", key,
            "--rate", "500", "--duration", "300ms", "--warmup", "100ms", "--json");
        assertEquals(0, bench.code(), bench.toString());
        final Map<String, Object> summary = Json.parseObject(bench.out().trim());
        assertEquals(endpoint, summary.get("endpoint"), bench.toString());
        assertEquals("fixed-rate 500/s", summary.get("mode"), bench.toString());
        assertEquals("unknown", summary.get("instanceLatency"), bench.toString());
        assertTrue(((Number)summary.get("count")).longValue() >= 100, bench.toString());
        assertEquals(0L, ((Number)summary.get("errors")).longValue(), bench.toString());
        assertTrue(server.calls() >= ((Number)summary.get("callsMade")).longValue(), "served " + server.calls());

        final Cli table = Cli.run("bench", "probe", "ping", "{\"value\":2}", "--endpoint", endpoint, "--rate", "200",
            "--duration", "100ms", "--warmup", "0");
        assertEquals(0, table.code(), table.toString());
        assertTrue(table.out().startsWith("probe.ping at " + endpoint + ": fixed-rate 200/s, 1 connection"),
            table.toString());
    }

    @Test
    void anInstanceThatCannotProveTheGivenKeyIsRefusedInTheHandshake()
    {
        final String someoneElse = Identity.loadOrCreate(tmp.resolve("other/k.key")).publicId();
        for (final String[] args : new String[][] {
            {"call", "probe", "ping", "{\"value\":1}"},
            {"genome", "probe"},
            {"bench", "probe", "ping", "{}", "--rate", "100", "--duration", "100ms"}})
        {
            final String[] remote = java.util.Arrays.copyOf(args, args.length + 4);
            remote[args.length] = "--endpoint";
            remote[args.length + 1] = endpoint;
            remote[args.length + 2] = "--key";
            remote[args.length + 3] = someoneElse;
            final Cli cli = Cli.run(remote);
            assertEquals(CellCommand.EXIT_SDK_FAILURE, cli.code(), cli.toString());
            assertTrue(cli.err().startsWith("Rejected: ") && cli.err().contains("handshake"), cli.toString());
        }
        assertEquals(0, server.calls(), "no handler ran");
    }

    /**
     * An instance that allows one key: a caller with another key is refused; with an access token from the allowed
     * key ({@code cell token}) for its own key and this cell it gets in; a token for another cell does not.
     */
    @Test
    void anAccessTokenFromAnAllowedKeyLetsAnotherCallerIn() throws Exception
    {
        final Path granterKey = tmp.resolve("granter/k.key");
        final Identity granter = Identity.loadOrCreate(granterKey);
        final Path guardedDir = Files.createDirectories(tmp.resolve("guarded"));
        Files.writeString(guardedDir.resolve("cell.toml"), "[cell]\nname = \"probe\"\n");
        final ProbeBinding probe = new ProbeBinding();
        try (CellServer guarded = CellServer.start("probe", probe.genome(), probe.dispatcher(probe.newCell()), null,
            guardedDir, ServerOptions.defaults().withCellHome(serverHome).withIdleProfile(IdleProfile.ECO)
                .withInstanceId("probe-guarded-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                .withAxon(new AxonOptions("127.0.0.1:0", false, Set.of(granter.publicId()), null))))
        {
            final String at = guarded.record().axon();
            final String me = Cli.run("id").out().strip();
            final Cli refused = Cli.run("call", "probe", "ping", "{\"value\":1}", "--endpoint", at);
            assertEquals(CellCommand.EXIT_SDK_FAILURE, refused.code(), refused.toString());
            assertTrue(refused.err().contains(me) && refused.err().contains("allowed_keys"), refused.toString());

            final Cli token = Cli.run("token", me, "--cell", "probe", "--ttl", "2m", "--key-file",
                granterKey.toString());
            assertEquals(0, token.code(), token.toString());
            final Cli in = Cli.run("call", "probe", "ping", "{\"value\":5}", "--endpoint", at, "--token",
                token.out().strip());
            assertEquals(0, in.code(), in.toString());
            assertTrue(in.out().contains("5"), in.toString());

            final Cli other = Cli.run("token", me, "--cell", "quotes", "--key-file", granterKey.toString());
            final Cli wrongCell = Cli.run("call", "probe", "ping", "{\"value\":1}", "--endpoint", at, "--token",
                other.out().strip());
            assertEquals(CellCommand.EXIT_SDK_FAILURE, wrongCell.code(), wrongCell.toString());
            assertTrue(wrongCell.err().contains("for cell 'quotes', not 'probe'"), wrongCell.toString());

            final Cli tooLong = Cli.run("token", me, "--cell", "probe", "--ttl", "11m");
            assertEquals(CellCommand.EXIT_USER_ERROR, tooLong.code(), tooLong.toString());
        }
        finally
        {
            System.clearProperty(dev.cell.runtime.client.ClientContext.TOKEN_PROPERTY_PREFIX + "probe");
        }
    }

    @Test
    void malformedEndpointsAndKeysAreUserErrors()
    {
        final Cli notHostPort = Cli.run("call", "probe", "ping", "{}", "--endpoint", "localhost");
        assertEquals(CellCommand.EXIT_USER_ERROR, notHostPort.code(), notHostPort.toString());
        assertTrue(notHostPort.err().startsWith("cell call: --endpoint: endpoint 'localhost' is not host:port"),
            notHostPort.toString());

        final Cli ipv6 = Cli.run("genome", "probe", "--endpoint", "::1:7400");
        assertEquals(CellCommand.EXIT_USER_ERROR, ipv6.code(), ipv6.toString());
        assertTrue(ipv6.err().contains("--endpoint: ") && ipv6.err().contains("[::1]:7400"), ipv6.toString());

        final Cli port = Cli.run("bench", "probe", "ping", "{}", "--endpoint", "127.0.0.1:99999", "--rate", "100");
        assertEquals(CellCommand.EXIT_USER_ERROR, port.code(), port.toString());
        assertTrue(port.err().contains("--endpoint: endpoint port 99999 is not 0..65535"), port.toString());

        final Cli key = Cli.run("call", "probe", "ping", "{}", "--endpoint", endpoint, "--key", "ed25519:short");
        assertEquals(CellCommand.EXIT_USER_ERROR, key.code(), key.toString());
        assertTrue(key.err().startsWith("cell call: --key: endpoint key 'ed25519:short' is not a public identity"),
            key.toString());

        final Cli blank = Cli.run("call", "probe", "ping", "{}", "--endpoint", endpoint, "--key", " ");
        assertEquals(CellCommand.EXIT_USER_ERROR, blank.code(), blank.toString());
        assertTrue(blank.err().contains("--key is empty"), blank.toString());

        final Cli alone = Cli.run("genome", "probe", "--key", Identity.host(serverHome).publicId());
        assertEquals(CellCommand.EXIT_USER_ERROR, alone.code(), alone.toString());
        assertTrue(alone.err().contains("give --endpoint <host:port> with it"), alone.toString());
        assertEquals(0, server.calls());

        for (final String command : new String[] {"call", "bench", "genome"})
        {
            final Cli help = Cli.run(command, "--help");
            assertTrue(help.out().contains("--endpoint=<host:port>") && help.out().contains("--key=<ed25519:...>"),
                help.toString());
        }
    }

    @Test
    void idPrintsACellsIdentityCreatingItsKeyOwnerOnly() throws Exception
    {
        final Path fresh = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("fresh")), "");
        final Path keyFile = AxonOptions.identityFileOf(fresh);
        assertFalse(Files.exists(keyFile));
        final Cli id = Cli.run("id", fresh.toString());
        assertEquals(0, id.code(), id.toString());
        assertTrue(Files.isRegularFile(keyFile), "the key is created on first use");
        assertEquals("rw-------", PrivateFilesTest.perms(keyFile));
        final String printed = id.out().trim();
        assertTrue(printed.startsWith(Identity.PREFIX) && Identity.isPublicId(printed), id.toString());
        assertEquals(Identity.loadOrCreate(keyFile).publicId(), printed);
        assertEquals(id.out(), Cli.run("id", fresh.toString()).out(), "the same identity every time");

        final Cli host = Cli.run("id");
        assertEquals(0, host.code(), host.toString());
        assertEquals(Identity.host(Path.of(System.getProperty("cell.home"))).publicId(), host.out().trim());
        assertFalse(printed.equals(host.out().trim()), "a cell's identity is not the host's");

        final Cli notACell = Cli.run("id", Files.createDirectories(tmp.resolve("empty")).toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, notACell.code(), notACell.toString());
        assertTrue(notACell.err().contains("cell.toml"), notACell.toString());
        assertFalse(Files.exists(AxonOptions.identityFileOf(tmp.resolve("empty"))), "no key outside a cell folder");

        final Cli help = Cli.run("id", "--help");
        assertTrue(help.out().contains("allowed_keys") && help.out().contains("endpoint"), help.toString());
    }

    @Test
    void psShowsTheAxonEndpoint()
    {
        System.setProperty("cell.home", serverHome.toString());
        final Cli ps = Cli.run("ps");
        assertEquals(0, ps.code(), ps.toString());
        final String[] lines = ps.out().split("\n");
        assertTrue(lines[0].matches("CELL +INSTANCE +PID +STATUS +UPTIME +FINGERPRINT +CALLS +LATENCY +AXON *"),
            ps.toString());
        assertEquals(2, lines.length, ps.toString());
        assertTrue(lines[1].startsWith("probe ") && lines[1].contains(server.instanceId()) &&
            lines[1].stripTrailing().endsWith(" " + endpoint), ps.toString());
        assertEquals(lines[0].indexOf("AXON"), lines[1].indexOf(endpoint), "aligned under its header");

        final Cli json = Cli.run("ps", "--json");
        assertEquals(0, json.code(), json.toString());
        final Object parsed = Json.parse(json.out().trim());
        final Map<?, ?> row = (Map<?, ?>)((java.util.List<?>)parsed).getFirst();
        assertEquals(server.instanceId(), row.get("instance"));
        assertEquals(endpoint, row.get("axon"));
    }
}
