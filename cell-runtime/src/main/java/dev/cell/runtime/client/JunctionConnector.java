package dev.cell.runtime.client;

import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.runtime.CellException;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.discovery.Dormancy;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.session.ClientProxy;
import dev.cell.runtime.transport.junction.ClientJunction;
import dev.cell.runtime.transport.junction.DoorbellIdleStrategy;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Opens a {@link TransportConnection} over a junction: discovers the live instances of a cell, creates a junction to one, sends the
 * Hello ({@link ClientProxy}) and waits for the {@link Handshake}'s answer, trying the next instance when one cannot
 * be reached.
 */
final class JunctionConnector
{
    private static final long DISCOVERY_POLL_NS = 20_000_000L;
    private static final int HANDSHAKE_BATCH = 4;

    private JunctionConnector()
    {
    }

    /**
     * Failure to reach one instance: try another or retry.
     */
    private static final class Unreachable extends Exception
    {
        private static final long serialVersionUID = 1L;

        private final boolean malformed;

        Unreachable(final String message)
        {
            this(message, false);
        }

        Unreachable(final String message, final boolean malformed)
        {
            super(message, null, false, false);
            this.malformed = malformed;
        }
    }

    /**
     * Discover a live instance of {@code cell}, open a junction to it and handshake, naming the handlers the caller
     * uses: the instance accepts when each is compatible, whatever its whole fingerprint. Once accepted the use is
     * recorded under the cell home ({@link ConsumerRegistry}) so that the producer's build can guard it.
     *
     * @param cell        the cell's served name.
     * @param fingerprint the fingerprint the caller was built against (preferred among instances), 0 for any.
     * @param handlers    handler name → handler fingerprint; empty: judged by the whole fingerprint.
     * @param ctx         the client's settings.
     * @return the connection.
     */
    static CellConnection open(
        final String cell, final long fingerprint, final Map<String, String> handlers, final ClientContext ctx)
    {
        final NanoClock clock = ctx.nanoClock();
        final long deadlineNs = clock.nanoTime() + ctx.connectTimeoutNs();
        String lastProblem = "no instance registered under " + InstanceRegistry.dir(ctx.cellHome()).resolve(cell);
        CellException.SchemaMismatch mismatch = null;
        CellException.Rejected malformed = null;
        boolean wakeAsked = false;
        while (true)
        {
            final List<InstanceRecord> live = new ArrayList<>(InstanceRegistry.live(ctx.cellHome(), cell));
            if (live.isEmpty() && !wakeAsked)
            {
                wakeAsked = true;
                if (Dormancy.wake(ctx.cellHome(), cell) == null)
                {
                    lastProblem = "the cell was dormant (idle timeout); its supervisor was asked to start an instance";
                }
            }
            if (fingerprint != 0)
            {
                final String hex = Genome.fingerprintHex(fingerprint);
                live.sort((a, b) -> Boolean.compare(!hex.equals(a.fingerprint()), !hex.equals(b.fingerprint())));
            }
            for (final InstanceRecord record : live)
            {
                try
                {
                    return connect(cell, fingerprint, handlers, ctx, record, deadlineNs);
                }
                catch (final CellException.SchemaMismatch ex)
                {
                    mismatch = ex;
                }
                catch (final Unreachable ex)
                {
                    if (ex.malformed)
                    {
                        malformed = new CellException.Rejected(cell, ex.getMessage());
                    }
                    lastProblem = "instance " + record.instanceId() + ": " + ex.getMessage();
                }
            }
            if (mismatch != null)
            {
                throw mismatch;
            }
            if (malformed != null)
            {
                // Each instance that answered lied about its frames: waiting would not change that.
                throw malformed;
            }
            if (clock.nanoTime() - deadlineNs >= 0)
            {
                throw new CellException.Unavailable(cell, "no live instance of cell '" + cell + "' answered within " +
                    ctx.options().connectTimeout().toMillis() + " ms (cell home " + ctx.cellHome() + "; " +
                    lastProblem + "). Start one (cell up) or check `cell ps`.");
            }
            LockSupport.parkNanos(DISCOVERY_POLL_NS);
        }
    }

    /**
     * Open a junction to one given instance and handshake (what a racing client does for each instance it keeps).
     *
     * @param cell        the cell's served name.
     * @param fingerprint the fingerprint the caller was built against, 0 for any.
     * @param handlers    handler name → handler fingerprint; empty: judged by the whole fingerprint.
     * @param ctx         the client's settings.
     * @param record      the instance.
     * @return the connection.
     * @throws CellException.Unavailable when the instance cannot be reached or turned the caller away for now.
     */
    static CellConnection openInstance(
        final String cell,
        final long fingerprint,
        final Map<String, String> handlers,
        final ClientContext ctx,
        final InstanceRecord record)
    {
        try
        {
            return connect(cell, fingerprint, handlers, ctx, record, ctx.nanoClock().nanoTime() +
                ctx.connectTimeoutNs());
        }
        catch (final Unreachable ex)
        {
            if (ex.malformed)
            {
                throw new CellException.Rejected(cell, ex.getMessage());
            }
            throw new CellException.Unavailable(cell, "instance " + record.instanceId() + ": " + ex.getMessage());
        }
    }

    private static TransportConnection connect(
        final String cell,
        final long fingerprint,
        final Map<String, String> handlers,
        final ClientContext ctx,
        final InstanceRecord record,
        final long deadlineNs) throws Unreachable
    {
        final ClientJunction transport;
        try
        {
            transport = ClientJunction.open(record.runDir());
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new Unreachable("cannot map its instance file: " + ex.getMessage());
        }
        boolean ok = false;
        try
        {
            if (!transport.instanceServing())
            {
                throw new Unreachable("not serving (state " + transport.instanceState() + ")");
            }
            final long beatAgeMs = ctx.epochClock().time() - transport.instanceHeartbeatEpochMs();
            if (beatAgeMs * 1_000_000L > ctx.hungTimeoutNs())
            {
                throw new Unreachable(ClientFailures.hung(record.instanceId(), cell, beatAgeMs));
            }
            createJunction(cell, record, transport, ctx.junctionCapacity());
            final ExpandableArrayBuffer hello = new ExpandableArrayBuffer(256);
            final int helloLength = new ClientProxy().hello(hello, 0, Liveness.currentPid(), fingerprint, cell,
                ctx.clientName(), handlerList(handlers));
            if (transport.send(hello, 0, helloLength) != Junction.OK)
            {
                throw new Unreachable("cannot write Hello");
            }
            if (!transport.announce())
            {
                throw new Unreachable("its accept ring is full or it stopped serving");
            }
            final Handshake handshake = awaitHandshake(cell, ctx, record, transport, deadlineNs);
            if (handshake.state == Handshake.MALFORMED)
            {
                throw new Unreachable(ClientFailures.malformed(record.instanceId(), handshake.reason), true);
            }
            if (handshake.state == Handshake.REJECTED)
            {
                throw rejected(cell, fingerprint, record, handshake);
            }
            if (!handlers.isEmpty())
            {
                recordUse(cell, handlers, ctx);
            }
            final TransportConnection connection = new TransportConnection(cell, ctx,
                new InstanceRecord(record.cell(), handshake.instanceId, record.pid(), record.startEpochMs(),
                record.runDir(), record.cellDir(), record.fingerprint(), record.latency()),
                transport, handshake.fingerprint, handshake.serverPid);
            ok = true;
            return connection;
        }
        finally
        {
            if (!ok)
            {
                transport.close();
            }
        }
    }

    private static void createJunction(
        final String cell, final InstanceRecord record, final ClientJunction transport, final int capacity)
        throws Unreachable
    {
        final Path junctions = record.runDir().resolve("junctions");
        try
        {
            transport.createJunction(junctions, capacity);
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new Unreachable("cannot create a junction file in " + junctions);
        }
        catch (final IOException ex)
        {
            if (String.valueOf(ex.getMessage()).contains("no space"))
            {
                // Not a problem of this instance that another try could solve: say it at once.
                throw new CellException.Unavailable(cell, "cannot connect to instance " +
                    record.instanceId() + " of cell '" + cell + "': " + ex.getMessage());
            }
            throw new Unreachable("cannot create a junction file in " + junctions + ": " + ex);
        }
    }

    private static Handshake awaitHandshake(
        final String cell,
        final ClientContext ctx,
        final InstanceRecord record,
        final ClientJunction transport,
        final long deadlineNs) throws Unreachable
    {
        final NanoClock clock = ctx.nanoClock();
        final Handshake handshake = new Handshake();
        final DoorbellIdleStrategy idle = new DoorbellIdleStrategy(ctx.idleProfile(), transport.localDoorbell(),
            () -> transport.hasInbound() || transport.peerClosed());
        long nextCheckNs = clock.nanoTime() + TransportConnection.HOUSEKEEPING_INTERVAL_NS;
        long instanceBeat = transport.instanceHeartbeatEpochMs();
        long instanceBeatSeenNs = clock.nanoTime();
        while (handshake.state == Handshake.WAITING)
        {
            final int read = transport.read(handshake, HANDSHAKE_BATCH);
            if (read == Junction.CORRUPT)
            {
                throw new Unreachable("corrupt reply ring: " + transport.corruption());
            }
            if (handshake.state != Handshake.WAITING)
            {
                break;
            }
            final long nowNs = clock.nanoTime();
            if (nowNs - deadlineNs >= 0)
            {
                throw new Unreachable("no Welcome before the connect timeout");
            }
            if (transport.peerClosed() && !transport.hasInbound())
            {
                throw new Unreachable("it closed the junction without a reply");
            }
            if (nowNs - nextCheckNs >= 0)
            {
                nextCheckNs = nowNs + TransportConnection.HOUSEKEEPING_INTERVAL_NS;
                if (!transport.instanceAlive())
                {
                    throw new Unreachable("its process " + transport.instancePid() + " is gone");
                }
                final long beat = transport.instanceHeartbeatEpochMs();
                if (beat != instanceBeat)
                {
                    instanceBeat = beat;
                    instanceBeatSeenNs = nowNs;
                }
                else if (nowNs - instanceBeatSeenNs >= ctx.hungTimeoutNs())
                {
                    throw new Unreachable(ClientFailures.hung(record.instanceId(), cell,
                        ctx.epochClock().time() - beat));
                }
            }
            idle.maxSleepNs(Math.min(deadlineNs - nowNs, nextCheckNs - nowNs));
            idle.idle(read);
        }
        return handshake;
    }

    private static RuntimeException rejected(
        final String cell, final long fingerprint, final InstanceRecord record, final Handshake handshake)
        throws Unreachable
    {
        final RuntimeException refusal = refusal(cell, fingerprint, record.instanceId(), handshake);
        if (refusal == null)
        {
            throw new Unreachable(handshake.reason);
        }
        return refusal;
    }

    /**
     * @return what a Reject means to the caller; null when another instance (or a later try) may accept.
     */
    static RuntimeException refusal(
        final String cell, final long fingerprint, final String instanceId, final Handshake handshake)
    {
        final String theirs = Genome.fingerprintHex(handshake.fingerprint);
        return switch (handshake.rejectCode)
        {
            case SCHEMA_MISMATCH -> new CellException.SchemaMismatch(cell,
                Genome.fingerprintHex(fingerprint), theirs,
                "cell '" + cell + "': this client was built against genome " +
                Genome.fingerprintHex(fingerprint) + " but instance " + instanceId + " runs genome " +
                theirs + ". Rebuild the client against the running cell (or run the cell version the client " +
                "was built for). Instance says: " + handshake.reason);
            case STOPPING, TOO_MANY_CONNECTIONS -> null;
            default -> new CellException.Rejected(cell, "instance " + instanceId +
                " refused the connection (" + handshake.rejectCode + "): " + handshake.reason);
        };
    }

    static String handlerList(final Map<String, String> handlers)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, String> e : new TreeMap<>(handlers).entrySet())
        {
            if (!sb.isEmpty())
            {
                sb.append(',');
            }
            sb.append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    static void recordUse(final String cell, final Map<String, String> handlers, final ClientContext ctx)
    {
        try
        {
            ConsumerRegistry.record(ctx.cellHome(), cell, ctx.clientName(), handlers);
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("cell: cannot record this consumer's use of cell '" + cell + "' under " +
                ConsumerRegistry.dir(ctx.cellHome(), cell) + " (" + ex + "); the producer's build cannot guard " +
                "the handlers it uses");
        }
    }
}
