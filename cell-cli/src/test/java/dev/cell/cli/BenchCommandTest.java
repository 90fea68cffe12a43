package dev.cell.cli;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.service.UnknownHandlerException;
import dev.cell.tissue.UserError;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cell bench}: option validation, and end to end against an in-process hand-written cell whose handler
 * answers every fourth call with its declared error.
 */
@Timeout(60)
class BenchCommandTest
{
    private static final int SCHEMA_ID = 4343;
    private static final int PING_REQUEST = 1;
    private static final int PING_RESPONSE = 2;
    private static final int NOPE = 3;

    private static final String SCHEMA = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="test.bench" id="4343" version="0"
                           byteOrder="littleEndian">
            <types>
                <composite name="messageHeader">
                    <type name="blockLength" primitiveType="uint16"/>
                    <type name="templateId" primitiveType="uint16"/>
                    <type name="schemaId" primitiveType="uint16"/>
                    <type name="version" primitiveType="uint16"/>
                </composite>
            </types>
            <sbe:message name="PingRequest" id="1">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="PingResponse" id="2">
                <field name="value" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="Nope" id="3">
                <field name="code" id="1" type="int64"/>
            </sbe:message>
        </sbe:messageSchema>
        """;

    private static final Genome GENOME = new Genome("benchee", "1.0.0", "00000000000000cc", SCHEMA_ID, 0,
        List.of(new Genome.Handler("ping", "PingRequest", PING_REQUEST, "PingResponse", PING_RESPONSE,
            List.of("Nope"), "00000000000000dd")),
        List.of(new Genome.ErrorType("Nope", NOPE, "test.Nope")),
        SCHEMA);

    @TempDir
    Path tmp;

    private CellHomeProperty cellHome;
    private CellServer server;

    @BeforeEach
    void setUp() throws Exception
    {
        final Path home = Files.createDirectories(tmp.resolve("home"));
        cellHome = CellHomeProperty.set(home);
        server = CellServer.start("benchee", GENOME, dispatcher(), null, Files.createDirectories(tmp.resolve("cell")),
            ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO)
                .withInstanceId("benchee-test-" + ProcessHandle.current().pid()));
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

    /**
     * Echoes the value; every fourth call answers with the declared error Nope.
     */
    private static Dispatcher dispatcher()
    {
        final long[] calls = new long[1];
        return (final DirectBuffer buffer, final int offset, final int length, final MutableDirectBuffer out,
            final int outOffset) ->
        {
            final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            final int schemaId = buffer.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
            if (templateId != PING_REQUEST || schemaId != SCHEMA_ID)
            {
                throw new UnknownHandlerException("benchee", templateId, schemaId);
            }
            final long value = buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
            final boolean error = ++calls[0] % 4 == 0;
            out.putShort(outOffset, (short)8, ByteOrder.LITTLE_ENDIAN);
            out.putShort(outOffset + 2, (short)(error ? NOPE : PING_RESPONSE), ByteOrder.LITTLE_ENDIAN);
            out.putShort(outOffset + 4, (short)SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
            out.putShort(outOffset + 6, (short)0, ByteOrder.LITTLE_ENDIAN);
            out.putLong(outOffset + 8, value, ByteOrder.LITTLE_ENDIAN);
            return error ? -16 : 16;
        };
    }

    private static long number(final String out, final String label)
    {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(label) + "\\s+([\\d,.]+)").matcher(out);
        assertTrue(m.find(), label + " missing in\n" + out);
        return (long)Double.parseDouble(m.group(1).replace(",", ""));
    }

    @Test
    void shouldMeasureAtAFixedRateOverTwoConnectionsAndWriteTheFiles() throws Exception
    {
        final Path hgrm = tmp.resolve("out/ping.hgrm");
        final Path svg = tmp.resolve("out/ping.svg");
        final Cli cli = Cli.run("bench", "benchee", "ping", "{\"value\":7}", "--rate", "2000", "--connections", "2",
            "--duration", "500ms", "--warmup", "100ms", "--hgrm", hgrm.toString(), "--chart", svg.toString());

        assertEquals(0, cli.code(), cli.toString());
        assertTrue(cli.out().contains("benchee.ping: fixed-rate 2000/s, 2 connections"), cli.toString());
        assertTrue(cli.out().contains("idle profile: client eco, instance eco"), cli.toString());
        final long calls = number(cli.out(), "calls");
        assertTrue(calls >= 990 && calls <= 1_010, cli.toString());
        final Matcher errors = Pattern.compile("declared errors: ([\\d,]+) of ([\\d,]+) calls made").matcher(cli.out());
        assertTrue(errors.find(), cli.toString());
        final long errorCount = Long.parseLong(errors.group(1).replace(",", ""));
        final long made = Long.parseLong(errors.group(2).replace(",", ""));
        // Every fourth call of warm-up and measurement together is an error.
        assertTrue(made >= calls + 150 && made <= calls + 250, cli.toString());
        assertTrue(Math.abs(errorCount - made / 4) <= 1, cli.toString());
        // Never faster than the rate (a loaded machine may make it slower: the late calls then run back to back).
        final double throughput = number(cli.out(), "throughput");
        assertTrue(throughput > 0 && throughput <= 2_100, cli.toString());
        for (final String label : new String[] {"p50", "p90", "p99", "p99.9", "p99.99", "max"})
        {
            assertTrue(cli.out().contains("\n" + label + " "), label + " missing in " + cli);
        }

        final String distribution = Files.readString(hgrm);
        assertTrue(distribution.contains("Value     Percentile TotalCount"), distribution);
        assertTrue(distribution.contains("#[Max     =") &&
            Pattern.compile("Total count\\s*=\\s*" + calls + "\\b").matcher(distribution).find(), distribution);
        final String chart = Files.readString(svg);
        assertTrue(chart.startsWith("<?xml") && chart.contains("<polyline") && chart.contains("benchee.ping"), chart);
    }

    @Test
    void shouldMeasureBackToBackAndPrintJson()
    {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "back to back needs a spare core");
        final Cli cli = Cli.run("bench", "benchee", "ping", "{\"value\":1}", "--duration", "300ms", "--warmup", "0",
            "--json");

        assertEquals(0, cli.code(), cli.toString());
        final Map<String, Object> json = Json.parseObject(cli.out().trim());
        assertEquals("back-to-back", json.get("mode"));
        assertEquals("client eco, instance eco", json.get("idleProfile"));
        assertEquals("eco", json.get("instanceLatency"));
        final long count = ((Number)json.get("count")).longValue();
        assertTrue(count > 0, cli.toString());
        assertTrue(((Number)json.get("p50Us")).doubleValue() > 0, cli.toString());
        assertTrue(((Number)json.get("p50Us")).doubleValue() <= ((Number)json.get("p99Us")).doubleValue(),
            cli.toString());
        final long made = ((Number)json.get("callsMade")).longValue();
        assertTrue(made >= count, cli.toString());
        assertTrue(Math.abs(((Number)json.get("errors")).longValue() - made / 4) <= 1, cli.toString());
    }

    @Test
    void shouldRefuseBadOptions()
    {
        final Cli duration = Cli.run("bench", "benchee", "ping", "{}", "--duration", "soon");
        assertEquals(CellCommand.EXIT_USER_ERROR, duration.code(), duration.toString());
        assertTrue(duration.err().contains("--duration 'soon' is not a duration"), duration.toString());

        final Cli warmup = Cli.run("bench", "benchee", "ping", "{}", "--warmup", "-1s");
        assertEquals(CellCommand.EXIT_USER_ERROR, warmup.code(), warmup.toString());

        final Cli rate = Cli.run("bench", "benchee", "ping", "{}", "--rate", "0");
        assertEquals(CellCommand.EXIT_USER_ERROR, rate.code(), rate.toString());
        assertTrue(rate.err().contains("--rate must be a positive number"), rate.toString());

        final Cli notANumber = Cli.run("bench", "benchee", "ping", "{}", "--rate", "fast");
        assertEquals(CellCommand.EXIT_USER_ERROR, notANumber.code(), notANumber.toString());

        final Cli latency = Cli.run("bench", "benchee", "ping", "{}", "--latency", "turbo");
        assertEquals(CellCommand.EXIT_USER_ERROR, latency.code(), latency.toString());
        assertTrue(latency.err().contains("unknown latency profile 'turbo'"), latency.toString());

        final Cli handler = Cli.run("bench", "benchee", "pong", "{}", "--duration", "100ms");
        assertEquals(CellCommand.EXIT_USER_ERROR, handler.code(), handler.toString());
        assertTrue(handler.err().contains("has no handler 'pong'") && handler.err().contains("ping {"),
            handler.toString());

        final Cli missing = Cli.run("bench", "nobody", "ping", "{}", "--duration", "100ms");
        assertEquals(CellCommand.EXIT_SDK_FAILURE, missing.code(), missing.toString());
        assertTrue(missing.err().contains("no live instance of cell 'nobody'"), missing.toString());

        final Cli help = Cli.run("bench", "--help");
        assertEquals(0, help.code(), help.toString());
        assertTrue(help.out().contains("--rate") && help.out().contains("coordinated omission"), help.toString());
    }

    @Test
    void shouldRefuseMoreBusyClientThreadsThanCoresMinusOne()
    {
        final int cores = Runtime.getRuntime().availableProcessors();
        final Cli spin = Cli.run("bench", "benchee", "ping", "{}", "--latency", "spin", "--rate", "1000",
            "--connections", String.valueOf(cores));
        assertEquals(CellCommand.EXIT_USER_ERROR, spin.code(), spin.toString());
        assertTrue(spin.err().contains("busy client threads (--latency spin) on " + cores + " core") &&
            spin.err().contains("at most cores - 1 = " + (cores - 1)), spin.toString());

        assertThrows(UserError.class, () -> BenchCommand.validate(null, 2, IdleProfile.ECO, 2));
        assertThrows(UserError.class, () -> BenchCommand.validate(100_000L, 2, IdleProfile.ECO, 2));
        assertThrows(UserError.class, () -> BenchCommand.validate(1_000L, 1, IdleProfile.SPIN, 1));
        BenchCommand.validate(null, 1, IdleProfile.ECO, 2);
        BenchCommand.validate(1_000L, 1, IdleProfile.SPIN, 2);
        BenchCommand.validate(10_000L, 4, IdleProfile.ECO, 2);
    }
}
