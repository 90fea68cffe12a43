package dev.cell.raft;

import dev.cell.ledger.Ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The exactly-once bookkeeping of one replica, kept in the ledger's meta column family (so it is committed with each
 * command, survives restarts and travels in snapshots). Every decision depends only on the log: the entry's client
 * session and sequence, the leader's timestamp and the session window the leader wrote into it; every replica
 * therefore refuses, deduplicates and expires exactly the same calls at the same index.
 * <p>
 * Per session: its last activity (leader time), the highest sequence applied and the replies of its last
 * {@value #RETAINED} sequences. A call whose (session, sequence) was applied is answered with its first reply and
 * changes nothing; a sequence below the retained ones is refused. A session is expired once both its last activity
 * and its creation time (the session id's high half, the client's clock) are older than the window; calls of an
 * expired session, and of an unknown session created longer ago than the window, are refused ("session expired"):
 * that is how a retry later than the window fails instead of applying twice. Expired sessions are deleted through a
 * queue ordered by the leader time they were last looked at, at most {@value #EXPIRE_PER_ENTRY} per entry: a session
 * is kept at least the window and at most about twice it.
 * <p>
 * Keys (meta column family): {@code S|high|low} → last activity, highest sequence, queue slot; {@code R|high|low|seq}
 * → reply; {@code E|slot} → queued session and the time it was queued; {@code cell.sessions} → leader clock (the
 * highest leader time seen), queue head, queue tail, the head's time. Used on the apply thread only; nothing is cached
 * between entries (a snapshot install replaces the meta column family).
 */
final class SessionTable
{
    /** Replies kept per session: this many calls of one session may be in flight (or retried) at once. */
    static final int RETAINED = 256;
    /** Default session window: {@code cell.raft.session.window.ms}. */
    static final long DEFAULT_WINDOW_MS = 600_000;
    static final int EXPIRE_PER_ENTRY = 2;

    static final int APPLY = 0;
    static final int DUPLICATE = 1;
    static final int REFUSED = 2;

    private static final byte[] CLOCK_KEY = "cell.sessions".getBytes(StandardCharsets.US_ASCII);

    private final Ledger ledger;
    private final byte[] sessionKey = new byte[17];
    private final byte[] replyKey = new byte[25];
    private final byte[] queueKey = new byte[9];

    private long clock;
    private long head;
    private long tail;
    private long headTime;
    private byte[] prior;
    private String refusal;
    private long[] record;

    SessionTable(final Ledger ledger)
    {
        this.ledger = ledger;
        sessionKey[0] = 'S';
        replyKey[0] = 'R';
        queueKey[0] = 'E';
    }

    /**
     * @return the session window from {@code cell.raft.session.window.ms} (default 10 minutes).
     * @throws IllegalArgumentException when it is out of range.
     */
    static long configuredWindowMs()
    {
        final long window = Long.getLong("cell.raft.session.window.ms", DEFAULT_WINDOW_MS);
        if (window < 1_000 || window > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("cell.raft.session.window.ms = " + window + ": use 1000 to " +
                Integer.MAX_VALUE + " ms (it must exceed the clients' session renewal, 60 s by default, plus their " +
                "longest retry)");
        }
        return window;
    }

    /**
     * Start an entry: read the clock and queue.
     *
     * @param leaderTime the entry's leader timestamp.
     * @return the entry's time: the highest leader time seen so far (leaders' clocks may step back).
     */
    long begin(final long leaderTime)
    {
        final byte[] q = ledger.getMeta(CLOCK_KEY);
        if (q == null)
        {
            clock = 0;
            head = 0;
            tail = 0;
            headTime = 0;
        }
        else
        {
            final ByteBuffer b = ByteBuffer.wrap(q);
            clock = b.getLong();
            head = b.getLong();
            tail = b.getLong();
            headTime = b.getLong();
        }
        clock = Math.max(clock, leaderTime);
        prior = null;
        refusal = null;
        record = null;
        return clock;
    }

    /**
     * Decide what to do with a call.
     *
     * @return {@link #APPLY}, {@link #DUPLICATE} ({@link #priorReply()}) or {@link #REFUSED} ({@link #refusal()}).
     */
    int check(final long high, final long low, final long sequence, final long now, final long windowMs)
    {
        final byte[] r = ledger.getMeta(sessionKey(high, low));
        if (r == null)
        {
            if (high + windowMs < now)
            {
                refusal = "session " + id(high, low) + " expired: it was created at " + high + " (epoch ms, " +
                    "client clock), more than the group's session window of " + windowMs + " ms before the " +
                    "leader's time " + now + "; a retry this late is never applied (start a new call), and a client " +
                    "clock that far behind cannot make calls";
                return REFUSED;
            }
            if (high > now + windowMs)
            {
                refusal = "session " + id(high, low) + " claims to be created at " + high + " (epoch ms), more than " +
                    "the session window of " + windowMs + " ms after the leader's time " + now + ": the client's " +
                    "clock is ahead";
                return REFUSED;
            }
            return APPLY;
        }
        final ByteBuffer b = ByteBuffer.wrap(r);
        record = new long[] {b.getLong(), b.getLong(), b.getLong()};
        if (Math.max(record[0], high) + windowMs < now)
        {
            refusal = "session " + id(high, low) + " expired: its last call was at " + record[0] + " (leader time), " +
                "more than the group's session window of " + windowMs + " ms before " + now + "; call " + sequence +
                " is not applied (a retry this late is never applied; start a new call)";
            return REFUSED;
        }
        final long max = record[1];
        if (sequence <= max - RETAINED)
        {
            refusal = "call " + sequence + " of session " + id(high, low) + " is older than the last " + RETAINED +
                " calls the group remembers for it (highest " + max + "): it may have been applied and is not " +
                "applied again";
            return REFUSED;
        }
        if (sequence <= max)
        {
            prior = ledger.getMeta(replyKey(high, low, sequence));
            if (prior != null)
            {
                return DUPLICATE;
            }
        }
        return APPLY;
    }

    /**
     * @return the first reply of a {@link #DUPLICATE}.
     */
    byte[] priorReply()
    {
        return prior;
    }

    /**
     * @return why a call was {@link #REFUSED}.
     */
    String refusal()
    {
        return refusal;
    }

    /**
     * Record a call that was applied (or whose handler failed: that is its outcome too), after {@link #check}.
     */
    void record(final long high, final long low, final long sequence, final long now, final byte[] reply)
    {
        long max;
        long slot;
        if (record == null)
        {
            max = 0;
            slot = enqueue(high, low, now);
        }
        else
        {
            max = record[1];
            slot = record[2];
        }
        if (sequence > max)
        {
            final long from = Math.max(1, max - RETAINED + 1);
            final long to = Math.min(max, sequence - RETAINED);
            for (long s = from; s <= to; s++)
            {
                ledger.deleteMeta(replyKey(high, low, s));
            }
            max = sequence;
        }
        ledger.putMeta(replyKey(high, low, sequence), reply);
        putSession(high, low, now, max, slot);
    }

    /**
     * A duplicate shows the client is still there: its session's activity moves on.
     */
    void touch(final long high, final long low, final long now)
    {
        putSession(high, low, now, record[1], record[2]);
    }

    /**
     * Expire due sessions (at most {@value #EXPIRE_PER_ENTRY}) and write the clock and queue: the last step of
     * every entry that carried a session.
     */
    void finish(final long now, final long windowMs)
    {
        for (int n = 0; n < EXPIRE_PER_ENTRY && head < tail && headTime + windowMs < now; n++)
        {
            final long slot = head;
            final byte[] queued = ledger.getMeta(queueKey(slot));
            ledger.deleteMeta(queueKey(slot));
            head++;
            if (queued != null)
            {
                final ByteBuffer q = ByteBuffer.wrap(queued);
                expireOrRequeue(q.getLong(), q.getLong(), slot, now, windowMs);
            }
            headTime = headTime();
        }
        final ByteBuffer b = ByteBuffer.allocate(32);
        b.putLong(now).putLong(head).putLong(tail).putLong(headTime);
        ledger.putMeta(CLOCK_KEY, b.array());
    }

    private void expireOrRequeue(final long high, final long low, final long slot, final long now,
        final long windowMs)
    {
        final byte[] r = ledger.getMeta(sessionKey(high, low));
        if (r == null)
        {
            return;
        }
        final ByteBuffer b = ByteBuffer.wrap(r);
        final long last = b.getLong();
        final long max = b.getLong();
        if (b.getLong() != slot)
        {
            return;
        }
        if (Math.max(last, high) + windowMs < now)
        {
            for (long s = Math.max(1, max - RETAINED + 1); s <= max; s++)
            {
                ledger.deleteMeta(replyKey(high, low, s));
            }
            ledger.deleteMeta(sessionKey(high, low));
            return;
        }
        putSession(high, low, last, max, enqueue(high, low, now));
    }

    private long headTime()
    {
        if (head >= tail)
        {
            return 0;
        }
        final byte[] queued = ledger.getMeta(queueKey(head));
        return queued == null ? 0 : ByteBuffer.wrap(queued).getLong(16);
    }

    private long enqueue(final long high, final long low, final long now)
    {
        final long slot = tail++;
        final ByteBuffer b = ByteBuffer.allocate(24);
        b.putLong(high).putLong(low).putLong(now);
        ledger.putMeta(queueKey(slot), b.array());
        if (slot == head)
        {
            headTime = now;
        }
        return slot;
    }

    private void putSession(final long high, final long low, final long last, final long max, final long slot)
    {
        final ByteBuffer b = ByteBuffer.allocate(24);
        b.putLong(last).putLong(max).putLong(slot);
        ledger.putMeta(sessionKey(high, low), b.array());
    }

    private byte[] sessionKey(final long high, final long low)
    {
        putLong(sessionKey, 1, high);
        putLong(sessionKey, 9, low);
        return sessionKey;
    }

    private byte[] replyKey(final long high, final long low, final long sequence)
    {
        putLong(replyKey, 1, high);
        putLong(replyKey, 9, low);
        putLong(replyKey, 17, sequence);
        return replyKey;
    }

    private byte[] queueKey(final long slot)
    {
        putLong(queueKey, 1, slot);
        return queueKey;
    }

    private static void putLong(final byte[] key, final int at, final long value)
    {
        for (int i = 0; i < 8; i++)
        {
            key[at + i] = (byte)(value >>> (56 - 8 * i));
        }
    }

    private static String id(final long high, final long low)
    {
        return Long.toHexString(high) + "-" + Long.toHexString(low);
    }
}
