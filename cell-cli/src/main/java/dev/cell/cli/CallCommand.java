package dev.cell.cli;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.client.ReplyCheck;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.genome.GenomeCodec;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.trace.TraceContext;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.launch.Instances;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code cell call <name> <handler> '<json>'}: call a handler of a running cell with JSON arguments, through a
 * generic connection (fingerprint 0) that encodes them from the instance's own genome ({@link GenomeCodec}). The
 * reply is checked before it is decoded ({@link ReplyCheck}) against that same genome, the one the instance claims:
 * a generic client has no other.
 * Prints the result as JSON; a declared error prints {@code {"error":"<Type>", ...fields}} and exits 3. With
 * {@code --endpoint} (and {@code --key}) it calls one remote instance over its axon instead ({@link RemoteOptions}).
 * The call starts a new, sampled trace, so every cell it reaches records its span; {@code --trace} prints the id
 * on stderr for {@code cell trace}.
 *
 * @since 0.1
 */
@Command(
    name = "call",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Call a handler of a running cell with JSON arguments and print its JSON result.",
        "Fields by SBE name (nested records flattened, e.g. limitPrice), lists as arrays of objects, enums by " +
            "name, byte[] as base64.",
        "Example: cell call exchange placeOrder '{\"symbol\":\"ACME\",\"side\":\"BUY\",\"price\":100,...}'",
        "Remote: cell call exchange book '{}' --endpoint 10.1.0.2:7400 --key ed25519:... calls the instance " +
            "there over its axon instead of this host's instances.",
        "Exit codes: 0 result, 1 bad arguments, 2 SDK failure, 3 the handler's declared error."
    })
final class CallCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<name>", description = "The cell's name.")
    private String cell;

    @Parameters(index = "1", paramLabel = "<handler>", description = "The handler's (method's) name.")
    private String handler;

    @Parameters(index = "2", paramLabel = "<json>", defaultValue = "{}",
        description = "The request as a JSON object (default: {}).")
    private String json;

    @Option(names = "--timeout", defaultValue = "5s", paramLabel = "<duration>",
        description = "Connect and call deadline, e.g. 500ms, 5s (default: ${DEFAULT-VALUE}).")
    private String timeout;

    @Option(names = "--trace", description = "Print the call's trace id on stderr (for `cell trace <id>`).")
    private boolean printTrace;

    @Mixin
    private RemoteOptions remote;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final Duration deadline = Durations.parse(timeout, "--timeout");
        final Map<String, Object> request = parseRequest(json);
        final Endpoint endpoint = remote.endpointFor(cell);
        final ClientOptions options = ClientOptions.defaults()
            .withCellHome(null == endpoint ? requireLive(cell).cellHome() : CellHome.resolve())
            .withConnectTimeout(deadline)
            .withCallTimeout(deadline)
            .withClientName("cell-call-" + ProcessHandle.current().pid())
            .withEndpoint(endpoint);
        // A person's call is always worth a trace: sampled, so every cell it reaches records its span.
        final TraceContext trace = TraceContext.current().startTrace(true);
        if (printTrace)
        {
            // First, so it is there also when the call fails.
            spec.commandLine().getErr().println("trace " + trace.traceIdHex());
            spec.commandLine().getErr().flush();
        }
        try (CellConnection connection = CellConnection.connect(cell, 0L, options))
        {
            final Genome genome = connection.genome();
            final GenomeCodec codec = GenomeCodec.of(genome);
            final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
            final int length = encodeRequest(cell, codec, handler, request, buffer);
            final Reply reply = new Reply();
            connection.call(buffer, 0, length, reply);
            // A generic client has no genome of its own: the reply is checked against the one the instance sent.
            ReplyCheck.of(cell, genome).check(reply, handler);
            final GenomeCodec.Decoded decoded = codec.decode(reply.buffer(), 0, reply.length());
            if (reply.isError())
            {
                final Map<String, Object> error = new LinkedHashMap<>();
                error.put("error", decoded.message());
                error.putAll(decoded.fields());
                out.println(Json.write(error));
                out.flush();
                return CellCommand.EXIT_DECLARED_ERROR;
            }
            out.println(Json.write(decoded.fields()));
            out.flush();
            return CellCommand.EXIT_OK;
        }
        finally
        {
            trace.clear();
        }
    }

    /**
     * @param json the request as typed.
     * @return it parsed.
     * @throws UserError when it is not a JSON object, with a hint about shell quoting.
     */
    static Map<String, Object> parseRequest(final String json)
    {
        try
        {
            return Json.parseObject(json);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError("the request is not a JSON object: " + ex.getMessage() + "; quote it for the " +
                "shell, e.g. '{\"symbol\":\"ACME\"}'", ex);
        }
    }

    /**
     * @param cell a cell's name.
     * @return this host's instances, having checked that {@code cell} has a live one.
     * @throws CellException.Unavailable when it has none, saying how to start it.
     */
    static Instances requireLive(final String cell)
    {
        final Instances instances = new Instances(CellHome.resolve());
        // A dormant cell (stopped after its idle timeout) is started again by the connection itself.
        if (instances.live(cell).isEmpty() &&
            !java.nio.file.Files.exists(dev.cell.runtime.discovery.Dormancy.file(instances.cellHome(), cell)))
        {
            throw new CellException.Unavailable(cell, "no live instance of cell '" + cell + "' on this host " +
                "(cell home " + instances.cellHome() + "); start it with `cell mitosis <dir>`, `cell ps` lists " +
                "running cells");
        }
        return instances;
    }

    /**
     * Encode a JSON request through the instance's genome.
     *
     * @param cell    the cell's name, for messages.
     * @param codec   the codec of the instance's genome.
     * @param handler the handler's name.
     * @param request the request fields.
     * @param buffer  receives the cell's SBE request message at offset 0.
     * @return its length.
     * @throws UserError when the handler does not exist (listing those that do) or the fields do not fit it.
     */
    static int encodeRequest(
        final String cell,
        final GenomeCodec codec,
        final String handler,
        final Map<String, Object> request,
        final MutableDirectBuffer buffer)
    {
        final Genome genome = codec.genome();
        if (genome.handler(handler) == null)
        {
            throw new UserError("cell '" + cell + "' has no handler '" + handler + "'; its handlers:\n" +
                handlers(genome, codec));
        }
        try
        {
            return codec.encodeRequest(handler, request, buffer, 0);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError(ex.getMessage(), ex);
        }
    }

    /**
     * @param genome a cell's genome.
     * @param codec  its codec.
     * @return one line per handler: name, request fields, errors.
     */
    static String handlers(final Genome genome, final GenomeCodec codec)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Genome.Handler h : genome.handlers())
        {
            String fields;
            try
            {
                fields = codec.describeRequest(h.name());
            }
            catch (final IllegalArgumentException ex)
            {
                fields = "? (" + ex.getMessage() + ")";
            }
            sb.append("  ").append(h.name()).append(" {").append(fields).append('}');
            if (!h.errors().isEmpty())
            {
                sb.append(" throws ").append(String.join(", ", h.errors()));
            }
            sb.append('\n');
        }
        return sb.isEmpty() ? "  (none)" : sb.toString().stripTrailing();
    }
}
