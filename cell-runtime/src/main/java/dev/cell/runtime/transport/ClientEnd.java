package dev.cell.runtime.transport;

import dev.cell.ring.Doorbell;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A client's end of its session with one instance, whatever moves the frames (a junction, an axon). Statuses are those
 * of {@code dev.cell.ring.Junction}.
 * <p>
 * <b>Note:</b> not thread safe: reads under the connection's receive lock, sends under its send lock.
 *
 * @since 0.2
 */
public interface ClientEnd extends AutoCloseable
{
    /**
     * The peer is fine.
     */
    int PEER_OK = 0;

    /**
     * The transport's own state is broken (a junction file truncated under the mapping).
     */
    int PEER_FAULTED = 1;

    /**
     * The instance is gone: its process died, or (remote) it fell silent for longer than the peer timeout.
     */
    int PEER_GONE = 2;

    /**
     * The instance lives but its duty cycle stands still.
     */
    int PEER_HUNG = 3;

    /**
     * Read up to {@code limit} frames, each a private copy.
     *
     * @param listener takes each frame.
     * @param limit    most frames to read.
     * @return frames read, or {@code CORRUPT}.
     */
    int read(FrameListener listener, int limit);

    /**
     * Send a frame (a copy of it).
     *
     * @param buffer holds it.
     * @param offset where it starts.
     * @param length its length.
     * @return a status.
     */
    int send(DirectBuffer buffer, int offset, int length);

    /**
     * Claim space for a frame, written at {@link #claimedBuffer()} then {@link #commit}ted or {@link #abort}ed.
     *
     * @param length its length.
     * @return where to write, or a negative status.
     */
    int claim(int length);

    /**
     * @return the buffer claimed space lies in.
     */
    MutableDirectBuffer claimedBuffer();

    /**
     * @param index what {@link #claim} returned.
     */
    void commit(int index);

    /**
     * @param index what {@link #claim} returned.
     */
    void abort(int index);

    /**
     * @return true when a frame may be waiting (cheap, no side effects).
     */
    boolean hasInbound();

    /**
     * @return true when the instance closed its side.
     */
    boolean peerClosed();

    /**
     * @return why {@link #read} returned {@code CORRUPT}.
     */
    String corruption();

    /**
     * @return the longest frame the session carries.
     */
    int maxMessageLength();

    /**
     * @return how full the way to the instance is, for a back-pressure message.
     */
    String describeQueued();

    /**
     * @return the doorbell a waiting caller sleeps on; ringing it wakes the caller.
     */
    Doorbell localDoorbell();

    /**
     * @return longest a waiting caller may sleep before it polls again: frames that do not ring the doorbell (an
     * axon's) are found by polling.
     */
    long pollIntervalNs();

    /**
     * Housekeeping (every 100 ms): beat towards the instance and judge it.
     *
     * @param nowMs         epoch clock.
     * @param nowNs         monotonic clock.
     * @param hungTimeoutNs longest the instance may stand still.
     * @return {@link #PEER_OK}, {@link #PEER_FAULTED}, {@link #PEER_GONE} or {@link #PEER_HUNG}.
     */
    int checkPeer(long nowMs, long nowNs, long hungTimeoutNs);

    /**
     * @return for {@link #PEER_HUNG} and {@link #PEER_GONE}: how long the instance has been still or silent (ms).
     */
    long peerSilentMs();

    /**
     * @return how the instance is reached, for messages ({@code pid 123}, {@code axon 10.0.0.2:7400}).
     */
    String describePeer();

    /**
     * Mark this side closed (the instance stops reading it).
     */
    void markClosed();

    /**
     * Release the session.
     */
    @Override
    void close();
}
