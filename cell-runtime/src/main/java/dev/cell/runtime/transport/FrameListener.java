package dev.cell.runtime.transport;

import org.agrona.DirectBuffer;

/**
 * Takes the frames a transport received. A transport hands over a private copy of each frame: the bytes cannot
 * change while the listener checks and decodes them.
 *
 * @since 0.1
 */
public interface FrameListener
{
    /**
     * One frame.
     *
     * @param buffer holds it.
     * @param offset where it starts.
     * @param length its length.
     * @return true to go on reading in this batch.
     */
    boolean onFrame(DirectBuffer buffer, int offset, int length);

    /**
     * Something the transport carried that is no frame at all (a record of another type, a length out of range).
     *
     * @param problem what it is.
     * @return true to go on reading in this batch.
     */
    boolean onBadRecord(String problem);
}
