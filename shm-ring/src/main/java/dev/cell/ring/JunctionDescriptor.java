package dev.cell.ring;

import org.agrona.BitUtil;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Layout of a junction file: a header, then the client→server ring, then the server→client ring. Both rings are
 * Agrona {@code OneToOneRingBuffer}s (data area of a power-of-two capacity followed by Agrona's trailer).
 * All numbers little endian (native order on supported hosts).
 * <pre>
 *   offset  size  field
 *   ------  ----  ----------------------------------------------------------------
 *        0     8  magic                "CELLJUNC" ({@link #MAGIC})
 *        8     4  layout version       {@link #LAYOUT_VERSION}; checked on attach
 *       12     4  header length        {@link #HEADER_LENGTH}
 *       16     4  to-server capacity   data bytes of the client→server ring (power of two)
 *       20     4  to-client capacity   data bytes of the server→client ring (power of two)
 *       24     8  created              epoch ms
 *   ------  ----  client side (cache line 1) ------------------------------------
 *       64     8  client pid
 *       72     8  client start time    epoch ms of the client process's start
 *       80     8  client heartbeat     epoch ms
 *       88     4  client closed        1 once the client closed its side
 *   ------  ----  client doorbell (cache line 2): the client sleeps here, the server rings
 *      128     4  sleepers
 *      132     4  sequence             futex word
 *   ------  ----  server side (cache line 3) ------------------------------------
 *      192     8  server pid           0 until a server attached
 *      200     8  server start time
 *      208     8  server heartbeat
 *      216     4  server closed
 *   ------  ----  server doorbell (cache line 4): the server sleeps here unless it names another (instance.dat)
 *      256     4  sleepers
 *      260     4  sequence
 *   ------  ----  ------------------------------------------------------------------
 *     4096        client→server ring   to-server capacity + {@link RingBufferDescriptor#TRAILER_LENGTH}
 *     4096+a      server→client ring   to-client capacity + trailer
 * </pre>
 *
 * @since 0.1
 */
public final class JunctionDescriptor
{
    /**
     * "CELLJUNC" as a little-endian long.
     */
    public static final long MAGIC = 0x434E554A4C4C4543L;

    /**
     * Version of this layout; a file with another version is refused on attach.
     */
    public static final int LAYOUT_VERSION = 1;

    /**
     * Bytes before the first ring (a page, so rings start page aligned).
     */
    public static final int HEADER_LENGTH = 4096;

    /**
     * Default data capacity of each ring: 1 MiB.
     */
    public static final int DEFAULT_CAPACITY = 1 << 20;

    /**
     * Smallest ring capacity accepted.
     */
    public static final int MIN_CAPACITY = 1 << 12;

    /**
     * Largest ring capacity accepted.
     */
    public static final int MAX_CAPACITY = 1 << 28;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int HEADER_LENGTH_OFFSET = 12;
    static final int TO_SERVER_CAPACITY_OFFSET = 16;
    static final int TO_CLIENT_CAPACITY_OFFSET = 20;
    static final int CREATED_OFFSET = 24;

    static final int CLIENT_SIDE_OFFSET = 64;
    static final int CLIENT_DOORBELL_OFFSET = 128;
    static final int SERVER_SIDE_OFFSET = 192;
    static final int SERVER_DOORBELL_OFFSET = 256;

    static final int PID_OFFSET = 0;
    static final int START_OFFSET = 8;
    static final int HEARTBEAT_OFFSET = 16;
    static final int CLOSED_OFFSET = 24;

    private JunctionDescriptor()
    {
    }

    /**
     * @param capacity a ring capacity.
     * @return it.
     * @throws IllegalArgumentException when it is not a power of two within bounds.
     */
    public static int checkCapacity(final int capacity)
    {
        if (!BitUtil.isPowerOfTwo(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("ring capacity must be a power of two between " + MIN_CAPACITY +
                " and " + MAX_CAPACITY + " bytes, got " + capacity);
        }
        return capacity;
    }

    /**
     * @param toServerCapacity data bytes of the client→server ring.
     * @param toClientCapacity data bytes of the server→client ring.
     * @return the file length.
     */
    public static long fileLength(final int toServerCapacity, final int toClientCapacity)
    {
        return (long)HEADER_LENGTH + ringLength(toServerCapacity) + ringLength(toClientCapacity);
    }

    static int ringLength(final int capacity)
    {
        return capacity + RingBufferDescriptor.TRAILER_LENGTH;
    }

    /**
     * @param capacity a ring's data capacity.
     * @return the longest message it carries (Agrona's one-to-one limit: an eighth of the capacity).
     */
    public static int maxMessageLength(final int capacity)
    {
        return capacity / 8;
    }
}
