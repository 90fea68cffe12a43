package dev.cell.runtime.transport.junction;

import dev.cell.ring.Doorbell;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.runtime.transport.ClientEnd;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's side of the shared-memory transport to one instance: the instance's file (state, heartbeat, accept
 * ring) and the junction this client created for itself. Reads copy each frame out of the ring into a private buffer
 * that grows to the largest frame seen, at most the junction's message limit; afterwards reading allocates nothing.
 * <p>
 * <b>Note:</b> not thread safe: reads under the owner's receive lock, sends under its send lock.
 *
 * @since 0.1
 */
public final class ClientJunction extends JunctionEnd implements ClientEnd
{
    private static final AtomicInteger JUNCTION_COUNTER = new AtomicInteger();
    private static final int INITIAL_COPY_CAPACITY = 4096;
    private static final int CREATE_ATTEMPTS = 100;

    private final InstanceFile instanceFile;
    private Junction junction;
    private String name;
    private long lastBeat;
    private long beatSeenNs;
    private long silentMs;

    private ClientJunction(final InstanceFile instanceFile)
    {
        super(new ExpandableArrayBuffer(INITIAL_COPY_CAPACITY));
        this.instanceFile = instanceFile;
    }

    @Override
    Junction junction()
    {
        return junction;
    }

    /**
     * Map an instance's file.
     *
     * @param runDir the instance's run folder.
     * @return the transport, without a junction yet.
     * @throws IOException when the file cannot be mapped.
     */
    public static ClientJunction open(final Path runDir) throws IOException
    {
        return new ClientJunction(InstanceFile.open(runDir.resolve(InstanceFile.FILE_NAME)));
    }

    /**
     * @return true when the instance says it serves.
     */
    public boolean instanceServing()
    {
        return instanceFile.state() == InstanceFile.STATE_SERVING;
    }

    /**
     * @return the instance's state, one of {@code InstanceFile.STATE_*}.
     */
    public int instanceState()
    {
        return instanceFile.state();
    }

    /**
     * @return the instance's last heartbeat (epoch ms).
     */
    public long instanceHeartbeatEpochMs()
    {
        return instanceFile.heartbeatEpochMs();
    }

    /**
     * @return true while the instance's process lives.
     */
    public boolean instanceAlive()
    {
        return instanceFile.ownerAlive();
    }

    /**
     * @return the instance's process id.
     */
    public long instancePid()
    {
        return instanceFile.pid();
    }

    /**
     * Create this client's junction file in the instance's {@code junctions/} folder, beat on it and point its
     * doorbell at the instance's.
     *
     * @param junctions the folder.
     * @param capacity  each ring's capacity.
     * @throws FileAlreadyExistsException when no free name was found.
     * @throws IOException                when the file cannot be made (the message says "no space" when the disk
     *                                    is full).
     */
    public void createJunction(final Path junctions, final int capacity) throws IOException
    {
        for (int attempt = 0; junction == null; attempt++)
        {
            name = Liveness.currentPid() + "-" + JUNCTION_COUNTER.incrementAndGet() + ".junction";
            try
            {
                junction = Junction.create(junctions.resolve(name), capacity, capacity);
            }
            catch (final FileAlreadyExistsException ex)
            {
                if (attempt > CREATE_ATTEMPTS)
                {
                    throw ex;
                }
            }
        }
        ClientHeartbeats.register(junction);
        junction.peerDoorbell(instanceFile.doorbell());
    }

    /**
     * Announce the junction on the instance's accept ring.
     *
     * @return false when the ring is full or the instance stopped serving.
     */
    public boolean announce()
    {
        return instanceFile.post(name);
    }

    /**
     * Send a frame (a copy of it).
     *
     * @param buffer holds it.
     * @param offset where it starts.
     * @param length its length.
     * @return a {@link Junction} status.
     */
    public int send(final DirectBuffer buffer, final int offset, final int length)
    {
        return junction.send(RECORD_TYPE_ID, buffer, offset, length);
    }

    /**
     * @return true while the instance's process lives (judged from the junction header).
     */
    public boolean peerAlive()
    {
        return junction.peerAlive();
    }

    /**
     * @return the instance's heartbeat in the junction header (epoch ms).
     */
    public long peerHeartbeatEpochMs()
    {
        return junction.peerHeartbeatEpochMs();
    }

    /**
     * @return false when the file was truncated under the mapping.
     */
    public boolean fileIntact()
    {
        return junction.fileIntact();
    }

    /**
     * @param epochMs this client's clock.
     */
    public void heartbeat(final long epochMs)
    {
        junction.heartbeat(epochMs);
    }

    /**
     * Mark this side closed.
     */
    public void markClosed()
    {
        junction.markClosed();
    }

    /**
     * @return the doorbell this client sleeps on.
     */
    public Doorbell localDoorbell()
    {
        return junction.localDoorbell();
    }

    /**
     * @return bytes queued towards the instance.
     */
    public int outboundSize()
    {
        return junction.outboundSize();
    }

    /**
     * @return capacity of the ring towards the instance.
     */
    public int outboundCapacity()
    {
        return junction.outboundCapacity();
    }

    /**
     * @return the junction file.
     */
    public Path path()
    {
        return junction.path();
    }

    @Override
    public String describeQueued()
    {
        return junction.outboundSize() + " of " + junction.outboundCapacity() + " bytes queued";
    }

    @Override
    public long pollIntervalNs()
    {
        return Long.MAX_VALUE; // the instance rings the doorbell with every frame
    }

    @Override
    public String describePeer()
    {
        return "pid " + instanceFile.pid();
    }

    /**
     * Thread safe: the blocking caller and the receiver thread both judge the instance. Its heartbeat in the junction
     * header moves every 100 ms while its duty cycle runs, and is judged by this process's monotonic clock (a wall
     * clock step cannot fake a hang).
     */
    @Override
    public synchronized int checkPeer(final long nowMs, final long nowNs, final long hungTimeoutNs)
    {
        try
        {
            if (!junction.fileIntact())
            {
                return PEER_FAULTED;
            }
            junction.heartbeat(nowMs);
            if (!junction.peerAlive())
            {
                return PEER_GONE;
            }
            final long beat = junction.peerHeartbeatEpochMs();
            if (beatSeenNs == 0 || beat != lastBeat)
            {
                lastBeat = beat;
                beatSeenNs = nowNs;
                return PEER_OK;
            }
            final long stillNs = nowNs - beatSeenNs;
            if (stillNs < hungTimeoutNs)
            {
                return PEER_OK;
            }
            silentMs = Math.max(stillNs / 1_000_000L, nowMs - beat);
            return PEER_HUNG;
        }
        catch (final InternalError ex)
        {
            return PEER_FAULTED; // the file was truncated under the mapping
        }
    }

    @Override
    public synchronized long peerSilentMs()
    {
        return silentMs;
    }

    /**
     * Stop beating, close and delete the junction, unmap the instance file.
     */
    @Override
    public void close()
    {
        if (junction != null)
        {
            ClientHeartbeats.unregister(junction);
            junction.closeAndDelete();
        }
        instanceFile.close();
    }
}
