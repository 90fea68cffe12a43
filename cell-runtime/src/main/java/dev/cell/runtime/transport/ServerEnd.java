package dev.cell.runtime.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The instance's end of one client session, whatever moves its frames (a junction on this host, an axon from
 * another): the serving thread reads the client's frames through it and sends its answers. Statuses are those of
 * {@code dev.cell.ring.Junction}: {@code OK}, {@code BACK_PRESSURED}, {@code CLOSED}, {@code TOO_LARGE},
 * {@code CORRUPT}.
 * <p>
 * <b>Note:</b> not thread safe: used by the serving thread only.
 *
 * @since 0.2
 */
public interface ServerEnd
{
    /**
     * @return a name for logs: the junction file, or the remote address.
     */
    String name();

    /**
     * @return the caller's verified identity ({@code ed25519:...}), or null where the transport has none (a junction:
     * the caller is a process of this host).
     */
    String remoteIdentity();

    /**
     * Read up to {@code limit} of the client's frames, each a private copy.
     *
     * @param listener takes each frame.
     * @param limit    most frames to read.
     * @return frames read, or {@code CORRUPT} ({@link #corruption()} says why; the session is to be closed).
     */
    int read(FrameListener listener, int limit);

    /**
     * Send a frame; one that does not fit now is kept to {@link #flushPending()} later.
     *
     * @param buffer holds the frame.
     * @param offset where it starts.
     * @param length its length.
     * @return {@code OK}, {@code BACK_PRESSURED} (kept pending), {@code CLOSED} or {@code TOO_LARGE}.
     */
    int send(DirectBuffer buffer, int offset, int length);

    /**
     * Send, ignoring the outcome (a farewell).
     *
     * @param buffer holds the frame.
     * @param offset where it starts.
     * @param length its length.
     */
    void sendOnce(DirectBuffer buffer, int offset, int length);

    /**
     * @return true while a frame waits to be sent.
     */
    boolean hasPending();

    /**
     * @return the status of the retry; anything but {@code BACK_PRESSURED} clears the pending frame.
     */
    int flushPending();

    /**
     * Claim space for a frame of known length, to be written at {@link #claimedBuffer()} then {@link #commit}ted or
     * {@link #abort}ed.
     *
     * @param length the frame's length.
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
     * @return the longest frame this session carries.
     */
    int maxMessageLength();

    /**
     * @return false while the transport's own handshake has not finished (an axon session before its caller proved
     * its identity; a junction has none): such a session does not count against the instance's connection limit,
     * and the first read after it finishes returns before any frame of the session.
     */
    default boolean authenticated()
    {
        return true;
    }

    /**
     * @return true when a frame may be waiting to be read (cheap, no side effects).
     */
    boolean hasInbound();

    /**
     * @return true when the client closed its side.
     */
    boolean peerClosed();

    /**
     * @return why {@link #read} returned {@code CORRUPT}.
     */
    String corruption();

    /**
     * Housekeeping (every 100 ms): beat towards the client and judge it.
     *
     * @param nowMs           epoch clock.
     * @param nowNs           monotonic clock.
     * @param claimTimeoutNs  longest a claimed frame may stay uncommitted.
     * @param clientTimeoutNs longest the client may stay silent.
     * @return null while the client is fine, else why the session is to be reclaimed.
     */
    String reclaimReason(long nowMs, long nowNs, long claimTimeoutNs, long clientTimeoutNs);

    /**
     * Close the session and release what it holds (a junction's file is deleted).
     */
    void closeAndDelete();
}
