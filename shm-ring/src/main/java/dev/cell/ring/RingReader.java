package dev.cell.ring;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * A consumer of Agrona's one-to-one ring buffer format that does not trust the producer: every record header is
 * validated before it is used (length within the ring and within the max message length, aligned, type id
 * positive or padding), so a buggy or hostile peer writing garbage into the shared mapping gets the ring reported
 * as corrupt instead of crashing or wedging the reader. Same memory protocol as
 * {@link org.agrona.concurrent.ringbuffer.OneToOneRingBuffer#read}: records are zeroed and the head is advanced
 * with an ordered store after the batch.
 */
final class RingReader
{
    private static final int PADDING_MSG_TYPE_ID = -1;

    private final AtomicBuffer buffer;
    private final int capacity;
    private final int maxMsgLength;
    private final int headPositionIndex;
    private final int tailPositionIndex;
    private String corruption;
    private boolean wrapped;
    private long stalledHead = -1;
    private long stalledSinceNs;

    RingReader(final AtomicBuffer buffer, final int maxMsgLength)
    {
        this.buffer = buffer;
        this.capacity = buffer.capacity() - RingBufferDescriptor.TRAILER_LENGTH;
        this.maxMsgLength = maxMsgLength;
        this.headPositionIndex = capacity + RingBufferDescriptor.HEAD_POSITION_OFFSET;
        this.tailPositionIndex = capacity + RingBufferDescriptor.TAIL_POSITION_OFFSET;
    }

    String corruption()
    {
        return corruption;
    }

    /**
     * @return true when a committed record (or padding) waits at the head. A record that is claimed but not yet
     * committed (negative length) is not work: the reader may sleep while it is pending, see {@link #stalledNs}.
     */
    boolean hasRecord()
    {
        if (corruption != null)
        {
            return false;
        }
        final long head = buffer.getLong(headPositionIndex);
        final int headIndex = (int)head & (capacity - 1);
        return buffer.getIntVolatile(RecordDescriptor.lengthOffset(headIndex)) > 0;
    }

    /**
     * How long the producer has held the ring's head record claimed without committing it: the tail is past the
     * head but the record there has no positive length. Call it periodically (housekeeping), not per message; the
     * time counts from the first call that saw this head stalled. Allocates nothing.
     *
     * @param nowNs {@link System#nanoTime()}.
     * @return nanoseconds the head has been seen stalled, 0 when it is not.
     */
    long stalledNs(final long nowNs)
    {
        if (corruption != null)
        {
            stalledHead = -1;
            return 0;
        }
        final long head = buffer.getLongVolatile(headPositionIndex);
        final long tail = buffer.getLongVolatile(tailPositionIndex);
        final int headIndex = (int)head & (capacity - 1);
        if (tail == head || buffer.getIntVolatile(RecordDescriptor.lengthOffset(headIndex)) > 0)
        {
            stalledHead = -1;
            return 0;
        }
        if (stalledHead != head)
        {
            stalledHead = head;
            stalledSinceNs = nowNs;
            return 0;
        }
        return nowNs - stalledSinceNs;
    }

    /**
     * @return frames delivered (0 or more), or {@link Junction#CORRUPT}.
     */
    int read(final FrameHandler handler, final int limit)
    {
        if (corruption != null)
        {
            return Junction.CORRUPT;
        }
        final int first = readContiguous(handler, limit);
        if (first < 0 || first >= limit || !wrapped)
        {
            return first;
        }
        // The first pass ended at the end of the ring (often on padding): go on from the start.
        final int second = readContiguous(handler, limit - first);
        return second < 0 ? second : first + second;
    }

    private int readContiguous(final FrameHandler handler, final int limit)
    {
        wrapped = false;
        final long head = buffer.getLong(headPositionIndex);
        final int headIndex = (int)head & (capacity - 1);
        final int contiguousBlockLength = capacity - headIndex;
        int framesRead = 0;
        int bytesRead = 0;
        boolean keepGoing = true;
        try
        {
            while (keepGoing && bytesRead < contiguousBlockLength && framesRead < limit)
            {
                final int recordIndex = headIndex + bytesRead;
                final int recordLength = buffer.getIntVolatile(RecordDescriptor.lengthOffset(recordIndex));
                if (recordLength <= 0)
                {
                    if (recordLength < 0 && -recordLength > maxMsgLength + RecordDescriptor.HEADER_LENGTH)
                    {
                        return corrupt("claimed record length " + recordLength + " at index " + recordIndex);
                    }
                    break;
                }
                final int alignedLength = BitUtil.align(recordLength, RecordDescriptor.ALIGNMENT);
                final int msgTypeId = buffer.getInt(RecordDescriptor.typeOffset(recordIndex));
                if (recordLength < RecordDescriptor.HEADER_LENGTH ||
                    alignedLength > contiguousBlockLength - bytesRead ||
                    (msgTypeId != PADDING_MSG_TYPE_ID &&
                    (msgTypeId <= 0 || recordLength - RecordDescriptor.HEADER_LENGTH > maxMsgLength)))
                {
                    return corrupt("record at index " + recordIndex + " has length " + recordLength + " and type " +
                        msgTypeId + " (ring capacity " + capacity + ", max message length " + maxMsgLength + ")");
                }
                bytesRead += alignedLength;
                if (msgTypeId == PADDING_MSG_TYPE_ID)
                {
                    continue;
                }
                ++framesRead;
                keepGoing = handler.onFrame(
                    msgTypeId, buffer, recordIndex + RecordDescriptor.HEADER_LENGTH,
                    recordLength - RecordDescriptor.HEADER_LENGTH);
            }
        }
        finally
        {
            if (bytesRead > 0)
            {
                buffer.setMemory(headIndex, bytesRead, (byte)0);
                buffer.putLongRelease(headPositionIndex, head + bytesRead);
                wrapped = keepGoing && bytesRead == contiguousBlockLength;
            }
        }
        return framesRead;
    }

    private int corrupt(final String reason)
    {
        corruption = reason;
        return Junction.CORRUPT;
    }
}
