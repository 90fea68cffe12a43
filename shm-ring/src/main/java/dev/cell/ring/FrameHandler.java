package dev.cell.ring;

import org.agrona.DirectBuffer;

/**
 * Receives frames read from a ring.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface FrameHandler
{
    /**
     * One frame. The bytes are valid only during the call.
     *
     * @param msgTypeId the record's type id (positive).
     * @param buffer    the ring's buffer.
     * @param index     where the frame starts.
     * @param length    its length.
     * @return true to go on reading, false to stop after this frame (it is consumed either way).
     */
    boolean onFrame(int msgTypeId, DirectBuffer buffer, int index, int length);
}
