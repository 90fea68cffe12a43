package dev.cell.runtime.client;

import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.runtime.CellException;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.session.ClientProxy;
import dev.cell.runtime.transport.ClientEnd;
import dev.cell.runtime.transport.axon.AxonClientEnd;
import dev.cell.runtime.transport.axon.AxonRefusedException;
import dev.cell.runtime.transport.axon.AxonUnreachableException;
import dev.cell.runtime.transport.junction.DoorbellIdleStrategy;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Map;

/**
 * Opens a {@link TransportConnection} over an axon to a remote instance's endpoint: the secure handshake
 * ({@link AxonClientEnd#open}), then Cell's own Hello and its answer, exactly as over a junction: the same
 * fingerprint and per-handler checks, the same typed refusals.
 */
final class AxonConnector
{
    private static final int HANDSHAKE_BATCH = 4;

    private AxonConnector()
    {
    }

    static CellConnection open(
        final String cell,
        final long fingerprint,
        final Map<String, String> handlers,
        final ClientContext ctx,
        final Endpoint endpoint)
    {
        final long deadlineNs = ctx.nanoClock().nanoTime() + ctx.connectTimeoutNs();
        final AxonClientEnd end;
        try
        {
            end = AxonClientEnd.open(endpoint.address(), localAddressFor(endpoint), ctx.identity(), endpoint.key(),
                ctx.accessToken(cell), ctx.axonPlaintext(), System.nanoTime() + ctx.connectTimeoutNs());
        }
        catch (final AxonRefusedException ex)
        {
            throw new CellException.Rejected(cell, ex.getMessage());
        }
        catch (final AxonUnreachableException | RuntimeException ex)
        {
            throw new CellException.Unavailable(cell, "cannot reach cell '" + cell + "' at " + endpoint + ": " +
                ex.getMessage());
        }
        boolean ok = false;
        try
        {
            final TransportConnection connection = hello(cell, fingerprint, handlers, ctx, endpoint, end, deadlineNs);
            ok = true;
            return connection;
        }
        finally
        {
            if (!ok)
            {
                end.close();
            }
        }
    }

    private static TransportConnection hello(
        final String cell,
        final long fingerprint,
        final Map<String, String> handlers,
        final ClientContext ctx,
        final Endpoint endpoint,
        final AxonClientEnd end,
        final long deadlineNs)
    {
        final ExpandableArrayBuffer hello = new ExpandableArrayBuffer(256);
        final int helloLength = new ClientProxy().hello(hello, 0, Liveness.currentPid(), fingerprint, cell,
            ctx.clientName(), JunctionConnector.handlerList(handlers));
        if (end.send(hello, 0, helloLength) != Junction.OK)
        {
            throw new CellException.Unavailable(cell, "cannot send the Hello to " + endpoint + ": " +
                String.valueOf(end.corruption()));
        }
        final Handshake handshake = awaitHandshake(cell, ctx, endpoint, end, deadlineNs);
        if (handshake.state == Handshake.MALFORMED)
        {
            throw new CellException.Rejected(cell, ClientFailures.malformed("at " + endpoint, handshake.reason));
        }
        if (handshake.state == Handshake.REJECTED)
        {
            final RuntimeException refusal = JunctionConnector.refusal(cell, fingerprint, "at " + endpoint, handshake);
            throw refusal != null ? refusal : new CellException.Unavailable(cell, "the instance at " + endpoint +
                " cannot take the connection now: " + handshake.reason);
        }
        if (!handlers.isEmpty())
        {
            JunctionConnector.recordUse(cell, handlers, ctx);
        }
        final InstanceRecord record = new InstanceRecord(cell, handshake.instanceId, handshake.serverPid, 0, null,
            null, dev.cell.runtime.genome.Genome.fingerprintHex(handshake.fingerprint),
            ctx.idleProfile().name().toLowerCase(java.util.Locale.ROOT));
        return new TransportConnection(cell, ctx, record, end, handshake.fingerprint, handshake.serverPid);
    }

    private static Handshake awaitHandshake(
        final String cell,
        final ClientContext ctx,
        final Endpoint endpoint,
        final ClientEnd end,
        final long deadlineNs)
    {
        final NanoClock clock = ctx.nanoClock();
        final Handshake handshake = new Handshake();
        final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(ctx.idleProfile(), end.localDoorbell(),
            end::peerClosed);
        while (handshake.state == Handshake.WAITING)
        {
            final int read = end.read(handshake, HANDSHAKE_BATCH);
            if (read == Junction.CORRUPT)
            {
                final String refusal = ((AxonClientEnd)end).refusal();
                throw refusal != null ?
                    new CellException.Rejected(cell, "the instance at " + endpoint + " refused this caller (" +
                        ctx.identity().publicId() + "): " + refusal) :
                    new CellException.Rejected(cell, "the instance at " + endpoint + " broke the session: " +
                        end.corruption());
            }
            if (handshake.state != Handshake.WAITING)
            {
                break;
            }
            final long nowNs = clock.nanoTime();
            if (nowNs - deadlineNs >= 0)
            {
                throw new CellException.Unavailable(cell, "no Welcome from " + endpoint + " before the connect " +
                    "timeout of " + ctx.options().connectTimeout().toMillis() + " ms");
            }
            idle.maxSleepNs(Math.min(deadlineNs - nowNs, end.pollIntervalNs()));
            idle.idle(read);
        }
        return handshake;
    }

    /**
     * @return this host's address on the route to the endpoint (no packet is sent), where the instance replies.
     */
    static String localAddressFor(final Endpoint endpoint)
    {
        try (DatagramSocket probe = new DatagramSocket())
        {
            probe.connect(InetAddress.getByName(endpoint.host()), Math.max(1, endpoint.port()));
            final InetAddress local = probe.getLocalAddress();
            if (local == null || local.isAnyLocalAddress())
            {
                throw new IOException("no route");
            }
            final String text = local.getHostAddress();
            return local instanceof Inet6Address ? "[" + text.replaceFirst("%.*$", "") + "]" : text;
        }
        catch (final IOException ex)
        {
            throw new CellException.Unavailable(endpoint.host(), "no route to " + endpoint + ": " + ex.getMessage());
        }
    }
}
