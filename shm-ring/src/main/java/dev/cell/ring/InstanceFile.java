package dev.cell.ring;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An instance's mark and front door: {@code <runDir>/instance.dat}, created by the instance, mapped by clients.
 * <pre>
 *   offset  size  field
 *   ------  ----  ----------------------------------------------------------------
 *        0     8  magic                "CELLINST" ({@link #MAGIC})
 *        8     4  layout version       {@link #LAYOUT_VERSION}; checked on open
 *       12     4  header length        {@link #HEADER_LENGTH}
 *       16     4  accept capacity      data bytes of the accept ring (power of two)
 *       20     4  state                {@link #STATE_STARTING} .. {@link #STATE_STOPPED}
 *       24     8  pid
 *       32     8  start time           epoch ms of the instance process's start
 *       40     8  fingerprint          genome fingerprint (64 bits)
 *       48     8  created              epoch ms
 *      128     8  heartbeat            epoch ms, every ~100 ms while serving     (own cache line)
 *      192     8  calls                requests dispatched so far; readable by any process (own cache line)
 *      200     8  errors               calls answered with a failure or a declared error (same writer)
 *      208     8  back-pressured       replies that found the client's ring full and waited for space
 *      216     8  connections          sessions open, as of the last housekeeping
 *      256    64  doorbell             the instance sleeps here; clients ring it (see {@link Doorbell})
 *     1024  2048  service times        {@link ServiceTimes}: 256 counters of handler durations (log-linear buckets)
 *     3072     4  idle profile         {@link InstanceCounters#IDLE_ECO} or {@link InstanceCounters#IDLE_SPIN}
 *     3080     8  idle sleeps          times the serving thread slept on the doorbell
 *     3088     8  idle slept           nanoseconds it slept in all (these three: from housekeeping)
 *     4096 141440 handler slots        {@link InstanceCounters#SLOTS} slots of {@link InstanceCounters#SLOT_LENGTH}
 *   147456        accept ring          Agrona ManyToOneRingBuffer: accept capacity + trailer
 * </pre>
 * Every counter has one writer, the instance's serving thread ({@link #counters()}, {@link #incrementCalls()}, ...);
 * readers in other processes copy them ({@link CountersSnapshot}, {@link #readServiceTimes}).
 * Clients post the file name of a junction they created (UTF-8, type {@link #ACCEPT_MSG_TYPE_ID}) on the accept
 * ring, then ring the doorbell.
 *
 * @since 0.1
 */
public final class InstanceFile implements AutoCloseable
{
    /**
     * File name inside the run folder.
     */
    public static final String FILE_NAME = "instance.dat";

    /**
     * "CELLINST" as a little-endian long.
     */
    public static final long MAGIC = 0x54534E494C4C4543L;

    /**
     * Version of this layout.
     */
    public static final int LAYOUT_VERSION = 2;

    /**
     * Bytes of the fixed header: identity, state, heartbeat, instance-wide counters, doorbell, idle profile.
     */
    static final int FIXED_LENGTH = 4096;

    /**
     * Where the handler slots start.
     */
    static final int HANDLER_SLOTS_OFFSET = FIXED_LENGTH;

    /**
     * Bytes before the accept ring: the fixed header and the handler slots, rounded up to a page.
     */
    public static final int HEADER_LENGTH =
        HANDLER_SLOTS_OFFSET + (InstanceCounters.SLOTS * InstanceCounters.SLOT_LENGTH + 4095) / 4096 * 4096;

    /**
     * Default data capacity of the accept ring.
     */
    public static final int DEFAULT_ACCEPT_CAPACITY = 1 << 16;

    /**
     * Record type of a junction announcement on the accept ring.
     */
    public static final int ACCEPT_MSG_TYPE_ID = 1;

    /**
     * Mapped, not serving yet.
     */
    public static final int STATE_STARTING = 1;

    /**
     * Accepting and serving.
     */
    public static final int STATE_SERVING = 2;

    /**
     * Stopping: refuses new junctions.
     */
    public static final int STATE_STOPPING = 3;

    /**
     * Stopped.
     */
    public static final int STATE_STOPPED = 4;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int HEADER_LENGTH_OFFSET = 12;
    static final int ACCEPT_CAPACITY_OFFSET = 16;
    static final int STATE_OFFSET = 20;
    static final int PID_OFFSET = 24;
    static final int START_OFFSET = 32;
    static final int FINGERPRINT_OFFSET = 40;
    static final int CREATED_OFFSET = 48;
    static final int HEARTBEAT_OFFSET = 128;
    static final int CALLS_OFFSET = 192;
    static final int ERRORS_OFFSET = 200;
    static final int BACK_PRESSURED_OFFSET = 208;
    static final int CONNECTIONS_OFFSET = 216;
    static final int QUEUE_DEPTH_OFFSET = 224;
    static final int DOORBELL_OFFSET = 256;
    static final int SERVICE_TIMES_OFFSET = 1024;
    static final int IDLE_PROFILE_OFFSET = 3072;
    static final int IDLE_SLEEPS_OFFSET = 3080;
    static final int IDLE_SLEPT_NS_OFFSET = 3088;

    private static final int MAX_NAME_LENGTH = 255;

    /**
     * Receives junction names from the accept ring.
     */
    @FunctionalInterface
    public interface AcceptHandler
    {
        /**
         * @param junctionName the posted name (not validated: it came from another process).
         */
        void onAccept(String junctionName);
    }

    private final MappedFile file;
    private final UnsafeBuffer buffer;
    private final Doorbell doorbell;
    private final InstanceCounters counters;
    private final ManyToOneRingBuffer acceptRing;
    private final RingReader acceptReader;
    private final FrameHandler acceptRecordHandler = this::onAcceptRecord;
    private String pendingName;
    private boolean closed;

    private InstanceFile(final MappedFile file)
    {
        this.file = file;
        this.buffer = file.buffer();
        this.doorbell = new Doorbell(buffer, DOORBELL_OFFSET);
        this.counters = new InstanceCounters(buffer);
        final int capacity = buffer.getInt(ACCEPT_CAPACITY_OFFSET);
        final UnsafeBuffer ring = new UnsafeBuffer(buffer, HEADER_LENGTH, capacity + RingBufferDescriptor.TRAILER_LENGTH);
        this.acceptRing = new ManyToOneRingBuffer(ring);
        this.acceptReader = new RingReader(ring, acceptRing.maxMsgLength());
    }

    /**
     * Instance side: create {@code <runDir>/instance.dat} in state {@link #STATE_STARTING}, owner-only (0600), every
     * page allocated up front.
     *
     * @param runDir         the run folder (must exist).
     * @param fingerprint    the genome fingerprint.
     * @param acceptCapacity data bytes of the accept ring (power of two).
     * @return the mapped file.
     * @throws IOException when the file cannot be created (e.g. it exists).
     */
    public static InstanceFile create(final Path runDir, final long fingerprint, final int acceptCapacity)
        throws IOException
    {
        JunctionDescriptor.checkCapacity(acceptCapacity);
        final Path path = runDir.resolve(FILE_NAME);
        final MappedFile file = MappedFile.create(
            path, (long)HEADER_LENGTH + acceptCapacity + RingBufferDescriptor.TRAILER_LENGTH);
        final UnsafeBuffer b = file.buffer();
        b.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        b.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        b.putInt(ACCEPT_CAPACITY_OFFSET, acceptCapacity);
        b.putInt(STATE_OFFSET, STATE_STARTING);
        b.putLong(PID_OFFSET, Liveness.currentPid());
        b.putLong(START_OFFSET, Liveness.currentStartEpochMs());
        b.putLong(FINGERPRINT_OFFSET, fingerprint);
        b.putLong(CREATED_OFFSET, System.currentTimeMillis());
        b.putLong(HEARTBEAT_OFFSET, System.currentTimeMillis());
        b.putLongRelease(MAGIC_OFFSET, MAGIC);
        return new InstanceFile(file);
    }

    /**
     * Client side: map an instance's {@code instance.dat} and check its layout.
     *
     * @param path the file.
     * @return the mapped file.
     * @throws IOException     when it cannot be opened.
     * @throws LayoutException when it is not an instance file of this layout version.
     */
    public static InstanceFile open(final Path path) throws IOException
    {
        final MappedFile file = MappedFile.open(path, HEADER_LENGTH);
        try
        {
            checkHeader(path, file.buffer(), file.length());
            return new InstanceFile(file);
        }
        catch (final RuntimeException ex)
        {
            file.close();
            throw ex;
        }
    }

    private static void checkHeader(final Path path, final UnsafeBuffer b, final long length)
    {
        final long magic = b.getLongAcquire(MAGIC_OFFSET);
        if (magic != MAGIC)
        {
            throw new LayoutException(path + " is not a Cell instance file (magic 0x" + Long.toHexString(magic) +
                ", expected 0x" + Long.toHexString(MAGIC) + ")");
        }
        final int version = b.getInt(VERSION_OFFSET);
        if (version != LAYOUT_VERSION)
        {
            throw new LayoutException(path + " has instance layout version " + version + " but this runtime " +
                "supports version " + LAYOUT_VERSION + ": the instance runs another Cell version; restart it or " +
                "rebuild the client");
        }
        final int capacity = b.getInt(ACCEPT_CAPACITY_OFFSET);
        try
        {
            JunctionDescriptor.checkCapacity(capacity);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new LayoutException(path + ": accept ring: " + ex.getMessage());
        }
        final long expected = (long)HEADER_LENGTH + capacity + RingBufferDescriptor.TRAILER_LENGTH;
        if (length != expected)
        {
            throw new LayoutException(path + " is " + length + " bytes, its header describes " + expected);
        }
    }

    /**
     * Read the calls counter of an instance file without keeping it mapped.
     *
     * @param path the instance file.
     * @return requests dispatched so far, or -1 when the file cannot be read or is not an instance file.
     */
    public static long readCalls(final Path path)
    {
        return readCounter(path, CALLS_OFFSET);
    }

    /**
     * Read the errors counter of an instance file without keeping it mapped.
     *
     * @param path the instance file.
     * @return calls answered with a failure or a declared error so far, or -1 when the file cannot be read.
     */
    public static long readErrors(final Path path)
    {
        return readCounter(path, ERRORS_OFFSET);
    }

    /**
     * Read an instance's queue depth without keeping its file mapped.
     *
     * @param path the instance file.
     * @return calls accepted and not answered yet ({@link InstanceCounters#queueDepth}), or -1 when unreadable.
     */
    public static long readQueueDepth(final Path path)
    {
        return readCounter(path, QUEUE_DEPTH_OFFSET);
    }

    private static long readCounter(final Path path, final int offset)
    {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(path, StandardOpenOption.READ))
        {
            if (channel.size() < HEADER_LENGTH)
            {
                return -1;
            }
            final java.nio.MappedByteBuffer mapped =
                channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, FIXED_LENGTH);
            final UnsafeBuffer b = new UnsafeBuffer(mapped);
            if (b.getLongVolatile(MAGIC_OFFSET) != MAGIC || b.getInt(VERSION_OFFSET) != LAYOUT_VERSION)
            {
                return -1;
            }
            return b.getLongVolatile(offset);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * @return the file.
     */
    public Path path()
    {
        return file.path();
    }

    /**
     * @return the per-handler and instance-wide counters (instance side: the serving thread writes them).
     */
    public InstanceCounters counters()
    {
        return counters;
    }

    /**
     * @return the doorbell the instance sleeps on.
     */
    public Doorbell doorbell()
    {
        return doorbell;
    }

    /**
     * Client side: announce a junction and wake the instance.
     *
     * @param junctionName the junction's file name inside the run folder's {@code junctions/}.
     * @return false when the accept ring is full (retry) or the instance is not serving.
     */
    public boolean post(final String junctionName)
    {
        final byte[] bytes = junctionName.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_NAME_LENGTH)
        {
            throw new IllegalArgumentException("junction name must be 1.." + MAX_NAME_LENGTH + " bytes: " +
                junctionName);
        }
        if (state() != STATE_SERVING)
        {
            return false;
        }
        final UnsafeBuffer src = new UnsafeBuffer(bytes);
        if (!acceptRing.write(ACCEPT_MSG_TYPE_ID, src, 0, bytes.length))
        {
            return false;
        }
        doorbell.signal();
        return true;
    }

    /**
     * Instance side: take announced junction names.
     *
     * @param handler receives each name.
     * @param limit   most names to take.
     * @return names taken, or {@link Junction#CORRUPT} when the accept ring is corrupt (see
     * {@link #acceptCorruption()}).
     */
    public int pollAccepts(final AcceptHandler handler, final int limit)
    {
        int taken = 0;
        while (taken < limit)
        {
            final int read = acceptReader.read(acceptRecordHandler, 1);
            if (read == Junction.CORRUPT)
            {
                return Junction.CORRUPT;
            }
            if (read == 0)
            {
                break;
            }
            taken++;
            final String name = pendingName;
            pendingName = null;
            if (name != null)
            {
                handler.onAccept(name);
            }
        }
        return taken;
    }

    private boolean onAcceptRecord(final int msgTypeId, final DirectBuffer b, final int index, final int length)
    {
        if (msgTypeId == ACCEPT_MSG_TYPE_ID && length > 0 && length <= MAX_NAME_LENGTH)
        {
            pendingName = b.getStringWithoutLengthUtf8(index, length);
        }
        return false;
    }

    /**
     * Instance side, from housekeeping: when a client claimed an accept record and has not committed it for
     * {@code timeoutNs} (it died or stopped mid-write), turn that record into padding so the announcements behind it
     * get through ({@link ManyToOneRingBuffer#unblock()}). A producer merely slower than the timeout loses its
     * announcement (its connect times out and is retried), which is why the timeout is long against a write of a
     * few bytes. Allocates nothing.
     *
     * @param nowNs     {@link System#nanoTime()}.
     * @param timeoutNs how long a claimed head record may stay uncommitted.
     * @return true when the ring was unblocked.
     */
    public boolean unblockStalledAccept(final long nowNs, final long timeoutNs)
    {
        if (acceptReader.stalledNs(nowNs) < Math.max(1, timeoutNs))
        {
            return false;
        }
        return acceptRing.unblock();
    }

    /**
     * @return true when a junction announcement waits on the accept ring.
     */
    public boolean hasAccepts()
    {
        return acceptReader.hasRecord();
    }

    /**
     * @return why the accept ring is corrupt, or null.
     */
    public String acceptCorruption()
    {
        return acceptReader.corruption();
    }

    /**
     * @param value the new state.
     */
    public void state(final int value)
    {
        buffer.putIntVolatile(STATE_OFFSET, value);
    }

    /**
     * @return the state.
     */
    public int state()
    {
        return buffer.getIntVolatile(STATE_OFFSET);
    }

    /**
     * @return the instance's pid.
     */
    public long pid()
    {
        return buffer.getLong(PID_OFFSET);
    }

    /**
     * @return the instance process's start time, epoch ms.
     */
    public long startEpochMs()
    {
        return buffer.getLong(START_OFFSET);
    }

    /**
     * @return the instance's genome fingerprint.
     */
    public long fingerprint()
    {
        return buffer.getLong(FINGERPRINT_OFFSET);
    }

    /**
     * @param epochMs now.
     */
    public void heartbeat(final long epochMs)
    {
        buffer.putLongRelease(HEARTBEAT_OFFSET, epochMs);
    }

    /**
     * @return the instance's last heartbeat, epoch ms.
     */
    public long heartbeatEpochMs()
    {
        return buffer.getLongAcquire(HEARTBEAT_OFFSET);
    }

    /**
     * Instance side (single writer): count one dispatched request.
     */
    public void incrementCalls()
    {
        buffer.putLongRelease(CALLS_OFFSET, buffer.getLong(CALLS_OFFSET) + 1);
    }

    /**
     * Instance side (single writer): count one call answered with a failure or a declared error.
     */
    public void incrementErrors()
    {
        buffer.putLongRelease(ERRORS_OFFSET, buffer.getLong(ERRORS_OFFSET) + 1);
    }

    /**
     * Instance side (single writer): count one handler run of {@code nanos} in the service-time histogram.
     * Allocates nothing.
     *
     * @param nanos how long the handler ran.
     */
    public void recordServiceTime(final long nanos)
    {
        final int offset = SERVICE_TIMES_OFFSET + ServiceTimes.bucket(nanos) * Long.BYTES;
        buffer.putLongRelease(offset, buffer.getLong(offset) + 1);
    }

    /**
     * Copy the calls counter and the service-time histogram of an instance file without keeping it mapped.
     *
     * @param path the instance file.
     * @param into receives them.
     * @return false when the file cannot be read or is not an instance file.
     */
    public static boolean readServiceTimes(final Path path, final ServiceTimes into)
    {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(path, StandardOpenOption.READ))
        {
            if (channel.size() < HEADER_LENGTH)
            {
                return false;
            }
            final UnsafeBuffer b = new UnsafeBuffer(
                channel.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, FIXED_LENGTH));
            if (b.getLongVolatile(MAGIC_OFFSET) != MAGIC || b.getInt(VERSION_OFFSET) != LAYOUT_VERSION)
            {
                return false;
            }
            into.read(b, SERVICE_TIMES_OFFSET, b.getLongVolatile(CALLS_OFFSET));
            return true;
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * @return requests dispatched so far.
     */
    public long calls()
    {
        return buffer.getLongAcquire(CALLS_OFFSET);
    }

    /**
     * @return true when the instance process (pid + start time) lives.
     */
    public boolean ownerAlive()
    {
        return Liveness.isAlive(pid(), startEpochMs());
    }

    /**
     * Unmap. No thread may use this object afterwards.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            file.close();
        }
    }

    /**
     * Unmap and delete the file.
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
            // Best effort: the run folder goes with it.
        }
    }
}
