package dev.cell.runtime.client;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A client's identity for exactly-once calls: a session id (creation time in epoch ms + 64 random bits) and a
 * sequence number per call, carried in every request envelope. A replicated cell applies each (session, sequence)
 * once and answers a retry with the first reply, also when the retry goes through another replica; users need no
 * request ids of their own.
 * <p>
 * One session may be shared by several connections (for instance one per replica): pass it with
 * {@link ClientOptions#withSession(ClientSession)}. A connection without one gets a fresh session of its own.
 * To retry a call on another connection, run both tries under the same sequence:
 * <pre>{@code
 * final long seq = session.nextSequence();
 * session.withSequence(seq, () -> first.put(put));     // fails: instance died
 * session.withSequence(seq, () -> second.put(put));    // applied once, or answered with the first reply
 * }</pre>
 * A session that was idle longer than {@link #renewAfterMs()} is replaced by a new one at the next call (not at a
 * retry), so a long-idle client never runs into the replicas' session window; a retry older than that window is
 * refused by the replicas (never applied twice). Thread safe; taking a sequence allocates nothing.
 *
 * @since 0.2
 */
public final class ClientSession
{
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long DEFAULT_RENEW_AFTER_MS = Long.getLong("cell.client.session.renew.ms", 60_000L);

    private final ThreadLocal<long[]> pinned = new ThreadLocal<>();
    private final long renewAfterMs;
    private volatile Id id;
    private volatile long lastUseMs;

    private record Id(long high, long low, AtomicLong sequence)
    {
    }

    private ClientSession(final long renewAfterMs)
    {
        this.renewAfterMs = renewAfterMs;
        this.id = newId();
        this.lastUseMs = System.currentTimeMillis();
    }

    /**
     * @return a new session with a random id, renewed after a minute idle ({@code cell.client.session.renew.ms}).
     */
    public static ClientSession create()
    {
        return new ClientSession(DEFAULT_RENEW_AFTER_MS);
    }

    /**
     * @param renewAfterMs idle time after which the next call starts a new session; keep it well below the
     *                     replicas' session window.
     * @return a new session.
     */
    public static ClientSession create(final long renewAfterMs)
    {
        if (renewAfterMs <= 0)
        {
            throw new IllegalArgumentException("renewAfterMs must be positive, got " + renewAfterMs);
        }
        return new ClientSession(renewAfterMs);
    }

    private static Id newId()
    {
        return new Id(System.currentTimeMillis(), RANDOM.nextLong(), new AtomicLong());
    }

    /**
     * @return the session id's high half (creation time, epoch ms).
     */
    public long high()
    {
        return id.high;
    }

    /**
     * @return the session id's low half (random).
     */
    public long low()
    {
        return id.low;
    }

    /**
     * @return idle time after which a new session starts.
     */
    public long renewAfterMs()
    {
        return renewAfterMs;
    }

    /**
     * Reserve the next sequence number for a call that may be retried through {@link #withSequence}.
     *
     * @return the number, from 1.
     */
    public long nextSequence()
    {
        return take().sequence.incrementAndGet();
    }

    private Id take()
    {
        final long now = System.currentTimeMillis();
        Id current = id;
        if (now - lastUseMs > renewAfterMs)
        {
            synchronized (this)
            {
                current = id;
                if (now - lastUseMs > renewAfterMs)
                {
                    current = newId();
                    id = current;
                }
            }
        }
        lastUseMs = now;
        return current;
    }

    /**
     * Run one try of a call under a sequence reserved with {@link #nextSequence()}: every call this thread makes
     * inside {@code call} on a connection of this session carries that session and sequence.
     *
     * @param sequence the reserved sequence.
     * @param call     the call.
     * @param <T>      its result.
     * @return what {@code call} returned.
     */
    public <T> T withSequence(final long sequence, final Supplier<T> call)
    {
        final long[] previous = pinned.get();
        final Id current = id;
        pinned.set(new long[] {current.high, current.low, sequence});
        try
        {
            return call.get();
        }
        finally
        {
            if (previous == null)
            {
                pinned.remove();
            }
            else
            {
                pinned.set(previous);
            }
        }
    }

    /**
     * Fill {@code into} with {high, low, sequence} for the call this thread is about to send: the pinned sequence
     * inside {@link #withSequence}, else a new one.
     *
     * @param into three longs.
     */
    void forCall(final long[] into)
    {
        final long[] p = pinned.get();
        if (p != null)
        {
            into[0] = p[0];
            into[1] = p[1];
            into[2] = p[2];
            return;
        }
        final Id current = take();
        into[0] = current.high;
        into[1] = current.low;
        into[2] = current.sequence.incrementAndGet();
    }
}
