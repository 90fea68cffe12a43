package dev.cell.ring;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.cell.ring.JunctionDescriptor.*;

/**
 * One duplex connection between a client and an instance: a mapped file (see {@link JunctionDescriptor}) holding a
 * client→server ring and a server→client ring. The client {@link #create creates} it, the server
 * {@link #attach attaches}. Each side is single threaded on its own direction: one producer, one consumer.
 * <p>
 * Hot path methods ({@link #send}, {@link #claim}, {@link #commit}, {@link #read}) allocate nothing, throw nothing
 * on a full or closed ring and never log: they return a status code.
 *
 * @since 0.1
 */
public final class Junction implements AutoCloseable
{
    /**
     * Sent.
     */
    public static final int OK = 0;

    /**
     * The outbound ring is full; nothing was sent. Retry later.
     */
    public static final int BACK_PRESSURED = -1;

    /**
     * This side or the peer closed the junction; nothing was sent.
     */
    public static final int CLOSED = -2;

    /**
     * The message is longer than {@link #maxMessageLength()}; nothing was sent.
     */
    public static final int TOO_LARGE = -3;

    /**
     * The inbound ring holds a record that violates the ring format; see {@link #corruption()}.
     */
    public static final int CORRUPT = -4;

    /**
     * Which end of the junction this object is.
     */
    public enum Side
    {
        /**
         * Created the file, writes the client→server ring.
         */
        CLIENT,

        /**
         * Attached to the file, writes the server→client ring.
         */
        SERVER
    }

    private final MappedFile file;
    private final Side side;
    private final UnsafeBuffer header;
    private final RingBuffer outbound;
    private final RingReader inbound;
    private final int ownSideOffset;
    private final int peerSideOffset;
    private final Doorbell localDoorbell;
    private Doorbell peerDoorbell;
    private final int maxMessageLength;
    private final int outboundCapacity;
    private boolean closed;

    private Junction(final MappedFile file, final Side side)
    {
        this.file = file;
        this.side = side;
        this.header = file.buffer();
        final int toServer = header.getInt(TO_SERVER_CAPACITY_OFFSET);
        final int toClient = header.getInt(TO_CLIENT_CAPACITY_OFFSET);
        final UnsafeBuffer toServerRing = new UnsafeBuffer(header, HEADER_LENGTH, ringLength(toServer));
        final UnsafeBuffer toClientRing =
            new UnsafeBuffer(header, HEADER_LENGTH + ringLength(toServer), ringLength(toClient));
        final Doorbell clientDoorbell = new Doorbell(header, CLIENT_DOORBELL_OFFSET);
        final Doorbell serverDoorbell = new Doorbell(header, SERVER_DOORBELL_OFFSET);
        if (side == Side.CLIENT)
        {
            outbound = new OneToOneRingBuffer(toServerRing);
            inbound = new RingReader(toClientRing, JunctionDescriptor.maxMessageLength(toClient));
            ownSideOffset = CLIENT_SIDE_OFFSET;
            peerSideOffset = SERVER_SIDE_OFFSET;
            localDoorbell = clientDoorbell;
            peerDoorbell = serverDoorbell;
            outboundCapacity = toServer;
        }
        else
        {
            outbound = new OneToOneRingBuffer(toClientRing);
            inbound = new RingReader(toServerRing, JunctionDescriptor.maxMessageLength(toServer));
            ownSideOffset = SERVER_SIDE_OFFSET;
            peerSideOffset = CLIENT_SIDE_OFFSET;
            localDoorbell = serverDoorbell;
            peerDoorbell = clientDoorbell;
            outboundCapacity = toClient;
        }
        maxMessageLength = outbound.maxMsgLength();
    }

    /**
     * Client side: create a new junction file (owner-only, 0600, every page allocated up front) and claim its client
     * side.
     *
     * @param path             the file to create (must not exist).
     * @param toServerCapacity data bytes of the client→server ring (power of two).
     * @param toClientCapacity data bytes of the server→client ring (power of two).
     * @return the junction.
     * @throws IOException when the file cannot be created, or its file system has no space for it (the message
     *                     names the file and says "no space"; nothing is left behind).
     */
    public static Junction create(final Path path, final int toServerCapacity, final int toClientCapacity)
        throws IOException
    {
        checkCapacity(toServerCapacity);
        checkCapacity(toClientCapacity);
        final MappedFile file = MappedFile.create(path, fileLength(toServerCapacity, toClientCapacity));
        final UnsafeBuffer b = file.buffer();
        b.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        b.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        b.putInt(TO_SERVER_CAPACITY_OFFSET, toServerCapacity);
        b.putInt(TO_CLIENT_CAPACITY_OFFSET, toClientCapacity);
        b.putLong(CREATED_OFFSET, System.currentTimeMillis());
        b.putLong(CLIENT_SIDE_OFFSET + PID_OFFSET, Liveness.currentPid());
        b.putLong(CLIENT_SIDE_OFFSET + START_OFFSET, Liveness.currentStartEpochMs());
        b.putLong(CLIENT_SIDE_OFFSET + HEARTBEAT_OFFSET, System.currentTimeMillis());
        b.putLongRelease(MAGIC_OFFSET, MAGIC);
        return new Junction(file, Side.CLIENT);
    }

    /**
     * Server side: map an existing junction file, check its layout, claim its server side.
     *
     * @param path the junction file.
     * @return the junction.
     * @throws IOException     when the file cannot be opened.
     * @throws LayoutException when it is not a junction of this layout version, or another server attached.
     */
    public static Junction attach(final Path path) throws IOException
    {
        final MappedFile file = MappedFile.open(path, HEADER_LENGTH);
        try
        {
            final UnsafeBuffer b = file.buffer();
            final long magic = b.getLongAcquire(MAGIC_OFFSET);
            if (magic != MAGIC)
            {
                throw new LayoutException(path + " is not a Cell junction (magic 0x" + Long.toHexString(magic) +
                    ", expected 0x" + Long.toHexString(MAGIC) + ")");
            }
            final int version = b.getInt(VERSION_OFFSET);
            if (version != LAYOUT_VERSION)
            {
                throw new LayoutException(path + " has junction layout version " + version + " but this runtime " +
                    "supports version " + LAYOUT_VERSION + ": client and instance use different Cell versions; " +
                    "rebuild or restart the older side");
            }
            final int headerLength = b.getInt(HEADER_LENGTH_OFFSET);
            final int toServer = b.getInt(TO_SERVER_CAPACITY_OFFSET);
            final int toClient = b.getInt(TO_CLIENT_CAPACITY_OFFSET);
            if (headerLength != HEADER_LENGTH)
            {
                throw new LayoutException(path + ": header length " + headerLength + ", expected " + HEADER_LENGTH);
            }
            try
            {
                checkCapacity(toServer);
                checkCapacity(toClient);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new LayoutException(path + ": " + ex.getMessage());
            }
            final long expectedLength = fileLength(toServer, toClient);
            if (file.length() != expectedLength)
            {
                throw new LayoutException(path + " is " + file.length() + " bytes but its header describes " +
                    expectedLength + " bytes");
            }
            if (!b.compareAndSetLong(SERVER_SIDE_OFFSET + PID_OFFSET, 0, Liveness.currentPid()))
            {
                throw new LayoutException(path + " is already attached by server pid " +
                    b.getLongVolatile(SERVER_SIDE_OFFSET + PID_OFFSET));
            }
            b.putLong(SERVER_SIDE_OFFSET + START_OFFSET, Liveness.currentStartEpochMs());
            b.putLongRelease(SERVER_SIDE_OFFSET + HEARTBEAT_OFFSET, System.currentTimeMillis());
            return new Junction(file, Side.SERVER);
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    /**
     * @return which end this is.
     */
    public Side side()
    {
        return side;
    }

    /**
     * @return the junction file.
     */
    public Path path()
    {
        return file.path();
    }

    /**
     * @return the longest message this side can send.
     */
    public int maxMessageLength()
    {
        return maxMessageLength;
    }

    /**
     * @return data capacity of the outbound ring.
     */
    public int outboundCapacity()
    {
        return outboundCapacity;
    }

    /**
     * @return bytes currently queued in the outbound ring.
     */
    public int outboundSize()
    {
        return outbound.size();
    }

    /**
     * Send one message: copy it into the outbound ring and wake the peer if it sleeps.
     *
     * @param msgTypeId a positive type id.
     * @param src       the bytes.
     * @param offset    where they start.
     * @param length    how many.
     * @return {@link #OK}, {@link #BACK_PRESSURED}, {@link #CLOSED} or {@link #TOO_LARGE}.
     */
    public int send(final int msgTypeId, final DirectBuffer src, final int offset, final int length)
    {
        if (closed || peerClosed())
        {
            return CLOSED;
        }
        if (length > maxMessageLength)
        {
            return TOO_LARGE;
        }
        if (!outbound.write(msgTypeId, src, offset, length))
        {
            return BACK_PRESSURED;
        }
        peerDoorbell.signal();
        return OK;
    }

    /**
     * Claim space for one message to encode in place; follow with {@link #commit(int)} or {@link #abort(int)}.
     *
     * @param msgTypeId a positive type id.
     * @param length    the message length.
     * @return the index in {@link #outboundBuffer()} where the message goes, or {@link #BACK_PRESSURED},
     * {@link #CLOSED}, {@link #TOO_LARGE}.
     */
    public int claim(final int msgTypeId, final int length)
    {
        if (closed || peerClosed())
        {
            return CLOSED;
        }
        if (length > maxMessageLength)
        {
            return TOO_LARGE;
        }
        final int index = outbound.tryClaim(msgTypeId, length);
        return index < 0 ? BACK_PRESSURED : index;
    }

    /**
     * @return the outbound ring's buffer, for encoding at a claimed index.
     */
    public AtomicBuffer outboundBuffer()
    {
        return outbound.buffer();
    }

    /**
     * Publish a claimed message and wake the peer if it sleeps.
     *
     * @param index from {@link #claim(int, int)}.
     */
    public void commit(final int index)
    {
        outbound.commit(index);
        peerDoorbell.signal();
    }

    /**
     * Give a claimed slot back (it becomes padding).
     *
     * @param index from {@link #claim(int, int)}.
     */
    public void abort(final int index)
    {
        outbound.abort(index);
    }

    /**
     * Read up to {@code limit} inbound frames.
     *
     * @param handler receives each frame.
     * @param limit   most frames to read.
     * @return frames read, or {@link #CORRUPT} when the inbound ring violates the format (see
     * {@link #corruption()}); once corrupt, always corrupt.
     */
    public int read(final FrameHandler handler, final int limit)
    {
        if (closed)
        {
            return 0;
        }
        return inbound.read(handler, limit);
    }

    /**
     * @return true when a frame is waiting in the inbound ring (cheap; for idle re-checks).
     */
    public boolean hasInbound()
    {
        try
        {
            return !closed && inbound.hasRecord();
        }
        catch (final InternalError ex)
        {
            // The peer truncated the file under the mapping: report work, so the next read fails and closes it.
            return true;
        }
    }

    /**
     * How long the peer has held a claimed record at the head of the inbound ring without committing it (a
     * producer that died or failed between claim and commit). Call it from housekeeping; allocates nothing.
     *
     * @param nowNs {@link System#nanoTime()}.
     * @return nanoseconds the head has been seen stalled, 0 when it is not.
     */
    public long inboundStalledNs(final long nowNs)
    {
        return closed ? 0 : inbound.stalledNs(nowNs);
    }

    /**
     * Whether the junction file still covers the whole mapping (an {@code fstat}: call it from housekeeping, not per
     * message). A file the peer truncated would fault on access past its end: treat false as closed and
     * {@link #close()} (which then does not touch the mapping).
     *
     * @return false when the file shrank (or this side is closed).
     */
    public boolean fileIntact()
    {
        return !closed && file.intact();
    }

    /**
     * @return why the inbound ring is corrupt, or null.
     */
    public String corruption()
    {
        return inbound.corruption();
    }

    /**
     * @return the doorbell this side sleeps on (the peer rings it after each message it sends).
     */
    public Doorbell localDoorbell()
    {
        return localDoorbell;
    }

    /**
     * Ring another doorbell than the peer's one in the header after each send: a client of an instance rings the
     * instance's doorbell (in {@code instance.dat}) since the instance sleeps on that one for all its junctions.
     *
     * @param doorbell the doorbell to ring.
     */
    public void peerDoorbell(final Doorbell doorbell)
    {
        this.peerDoorbell = doorbell;
    }

    /**
     * @return the doorbell rung after each send.
     */
    public Doorbell peerDoorbell()
    {
        return peerDoorbell;
    }

    /**
     * Store this side's heartbeat.
     *
     * @param epochMs now.
     */
    public void heartbeat(final long epochMs)
    {
        if (!closed)
        {
            header.putLongRelease(ownSideOffset + HEARTBEAT_OFFSET, epochMs);
        }
    }

    /**
     * @return the peer's last heartbeat, epoch ms (0 when no server attached yet).
     */
    public long peerHeartbeatEpochMs()
    {
        return closed ? 0 : header.getLongAcquire(peerSideOffset + HEARTBEAT_OFFSET);
    }

    /**
     * @return the peer's pid, 0 when no server attached yet.
     */
    public long peerPid()
    {
        return closed ? 0 : header.getLongAcquire(peerSideOffset + PID_OFFSET);
    }

    /**
     * @return the peer's process start time, epoch ms.
     */
    public long peerStartEpochMs()
    {
        return closed ? 0 : header.getLongAcquire(peerSideOffset + START_OFFSET);
    }

    /**
     * Check that the peer process lives (pid and start time). Reads {@code /proc}: call it every ~100 ms, not per
     * message. A server that has not attached yet counts as alive.
     *
     * @return false when the peer's process is gone.
     */
    public boolean peerAlive()
    {
        if (closed)
        {
            return false;
        }
        final long pid = peerPid();
        if (pid == 0)
        {
            return side == Side.CLIENT;
        }
        return Liveness.isAlive(pid, peerStartEpochMs());
    }

    /**
     * @return true when the peer closed its side.
     */
    public boolean peerClosed()
    {
        try
        {
            return closed || header.getIntVolatile(peerSideOffset + CLOSED_OFFSET) != 0;
        }
        catch (final InternalError ex)
        {
            // The file was truncated under the mapping.
            return true;
        }
    }

    /**
     * @return true when this side was closed.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Mark this side closed and wake the peer so it notices; the mapping stays until {@link #close()}.
     */
    public void markClosed()
    {
        if (!closed)
        {
            header.putIntVolatile(ownSideOffset + CLOSED_OFFSET, 1);
            peerDoorbell.ring();
            localDoorbell.ring();
        }
    }

    /**
     * Mark this side closed, wake the peer and unmap. No thread may use this junction afterwards. When the file shrank
     * under the mapping it is only unmapped.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            try
            {
                if (file.intact())
                {
                    markClosed();
                }
            }
            catch (final InternalError ex)
            {
                // Truncated between the check and the store: nothing to tell the peer through this file.
            }
            closed = true;
            file.close();
        }
    }

    /**
     * {@link #close()} and delete the file.
     */
    public void closeAndDelete()
    {
        close();
        try
        {
            Files.deleteIfExists(file.path());
        }
        catch (final IOException ignore)
        {
            // Best effort: a leftover file is reclaimed with its run folder.
        }
    }
}
