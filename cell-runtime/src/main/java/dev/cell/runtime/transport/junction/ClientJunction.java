package dev.cell.runtime.transport.junction;

import dev.cell.ring.Doorbell;
import dev.cell.ring.FrameHandler;
import dev.cell.ring.InstanceFile;
import dev.cell.ring.Junction;
import dev.cell.ring.Liveness;
import dev.cell.runtime.transport.FrameListener;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

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
public final class ClientJunction implements AutoCloseable
{
    /**
     * Ring record type of every frame.
     */
    public static final int RECORD_TYPE_ID = ServerJunction.RECORD_TYPE_ID;

    private static final AtomicInteger JUNCTION_COUNTER = new AtomicInteger();
    private static final int INITIAL_COPY_CAPACITY = 4096;
    private static final int CREATE_ATTEMPTS = 100;

    private final InstanceFile instanceFile;
    private final ExpandableArrayBuffer copy = new ExpandableArrayBuffer(INITIAL_COPY_CAPACITY);
    private final FrameHandler handler = this::onRecord;
    private Junction junction;
    private String name;
    private FrameListener listener;

    private ClientJunction(final InstanceFile instanceFile)
    {
        this.instanceFile = instanceFile;
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
     * Claim space for a frame, to be written at {@link #claimedBuffer()} then {@link #commit}ted or
     * {@link #abort}ed: a claim left open would make the instance close the junction as stuck.
     *
     * @param length the frame's length.
     * @return where to write, or a negative {@link Junction} status.
     */
    public int claim(final int length)
    {
        return junction.claim(RECORD_TYPE_ID, length);
    }

    /**
     * @return the buffer claimed space lies in.
     */
    public MutableDirectBuffer claimedBuffer()
    {
        return junction.outboundBuffer();
    }

    /**
     * @param index what {@link #claim} returned.
     */
    public void commit(final int index)
    {
        junction.commit(index);
    }

    /**
     * @param index what {@link #claim} returned.
     */
    public void abort(final int index)
    {
        junction.abort(index);
    }

    /**
     * Read up to {@code limit} frames, each copied out of the ring before the listener sees it.
     *
     * @param listener takes each frame.
     * @param limit    most frames.
     * @return frames read, or {@link Junction#CORRUPT}.
     */
    public int read(final FrameListener listener, final int limit)
    {
        this.listener = listener;
        try
        {
            return junction.read(handler, limit);
        }
        finally
        {
            this.listener = null;
        }
    }

    private boolean onRecord(final int msgTypeId, final DirectBuffer ring, final int index, final int length)
    {
        if (msgTypeId != RECORD_TYPE_ID || length < 0 || length > junction.maxMessageLength())
        {
            return listener.onBadRecord(
                "ring record of type " + msgTypeId + " and " + length + " bytes is not a Cell frame");
        }
        copy.checkLimit(length);
        ring.getBytes(index, copy, 0, length);
        return listener.onFrame(copy, 0, length);
    }

    /**
     * @return why the inbound ring is corrupt.
     */
    public String corruption()
    {
        return junction.corruption();
    }

    /**
     * @return true when a frame waits to be read.
     */
    public boolean hasInbound()
    {
        return junction.hasInbound();
    }

    /**
     * @return true when the instance closed its side.
     */
    public boolean peerClosed()
    {
        return junction.peerClosed();
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
     * @return the longest frame the junction carries.
     */
    public int maxMessageLength()
    {
        return junction.maxMessageLength();
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
