package dev.cell.runtime.client;

import dev.cell.runtime.genome.Genome;
import org.agrona.DirectBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * A handshaken connection to one live instance of a cell; what generated clients ({@code ExchangeClient}) and
 * generic tools ({@code cell call}) are built on. Opened with {@link #connect(String, long, ClientOptions)}.
 * <p>
 * <b>Note:</b> thread safe: calls from several threads are serialised on the junction, async calls are pipelined.
 *
 * @since 0.1
 */
public interface CellConnection extends AutoCloseable
{
    /**
     * Find a live instance of {@code cell} on this host (no daemon: through the run files under the cell home),
     * open a junction to it and handshake; with {@link ClientOptions#endpoint()} set, reach that remote instance over
     * an axon instead, and with the cell's {@code cell.endpoint.<cell>} property set ({@code [deps] x = { endpoint }})
     * reach it there when no instance runs on this host.
     *
     * @param cell        the cell's name.
     * @param fingerprint the genome fingerprint the caller was built against, or 0 for a generic client that
     *                    encodes its calls from the instance's own genome.
     * @param options     timeouts, idle profile, cell home.
     * @return the open connection.
     * @throws dev.cell.runtime.CellException.Unavailable    when no live instance answers before the connect timeout.
     * @throws dev.cell.runtime.CellException.SchemaMismatch naming both fingerprints, when they differ.
     * @throws dev.cell.runtime.CellException.Rejected       when the instance refused for another reason.
     */
    static CellConnection connect(final String cell, final long fingerprint, final ClientOptions options)
    {
        return TransportConnection.open(cell, fingerprint, java.util.Map.of(), options);
    }

    /**
     * Connect as a client built from a genome ({@code @CellRemote}): the instance accepts when each handler the
     * client calls is compatible with the shape it was built against, even when other handlers changed. The use is
     * recorded under the cell home so that the producer's build refuses a breaking change to these handlers.
     *
     * @param cell        the cell's served name ({@code exchange}, {@code exchange@2}).
     * @param fingerprint the whole genome fingerprint the caller was built against (instances with it are tried
     *                    first).
     * @param handlers    handler name → the handler's fingerprint (16 hex digits) the caller was built against.
     * @param options     timeouts, idle profile, cell home.
     * @return the open connection.
     * @throws dev.cell.runtime.CellException.Unavailable    when no live instance answers before the connect timeout.
     * @throws dev.cell.runtime.CellException.SchemaMismatch naming the incompatible handlers.
     * @throws dev.cell.runtime.CellException.Rejected       when the instance refused for another reason.
     */
    static CellConnection connect(
        final String cell, final long fingerprint, final java.util.Map<String, String> handlers,
        final ClientOptions options)
    {
        return TransportConnection.open(cell, fingerprint, handlers, options);
    }

    /**
     * @return the cell's name.
     */
    String cell();

    /**
     * @return the id of the instance this connection reached.
     */
    String instanceId();

    /**
     * @return the instance's genome fingerprint from its Welcome.
     */
    long remoteFingerprint();

    /**
     * Ask the instance for its genome.
     *
     * @return the instance's genome.
     */
    Genome genome();

    /**
     * @return the client session this connection's calls carry (see {@link ClientSession}).
     */
    ClientSession session();

    /**
     * Blocking call: send one request, wait for its reply.
     *
     * @param request buffer holding the cell's SBE request message (header first).
     * @param offset  where the header starts.
     * @param length  header plus message.
     * @param into    receives the reply (result or declared error).
     * @throws dev.cell.runtime.CellException for SDK-level failures (the subclass says which).
     */
    void call(DirectBuffer request, int offset, int length, Reply into);

    /**
     * Pipelined call: send one request now, complete the future when its reply arrives.
     *
     * @param request buffer holding the cell's SBE request message (header first); copied before this returns.
     * @param offset  where the header starts.
     * @param length  header plus message.
     * @return completes with the reply, or exceptionally with a {@link dev.cell.runtime.CellException}.
     */
    CompletableFuture<Reply> callAsync(DirectBuffer request, int offset, int length);

    /**
     * @return false once the connection is closed or found broken (a later call fails at once, without sending).
     */
    boolean isOpen();

    /**
     * Close the junction: tell the instance, fail outstanding calls with Unavailable, release the files.
     */
    @Override
    void close();
}
