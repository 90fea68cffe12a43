package dev.cell.runtime.trace;

/**
 * The W3C trace context of the call a thread is working for: a 128-bit trace id, the current span's 64-bit id and
 * the trace flags. Calls the thread makes carry it (the trace id, this span as their parent, the flags), and lines
 * it writes through a {@link dev.cell.runtime.log.CellLog} carry the trace and span ids.
 * <p>
 * An instance's serving thread sets it around every request it dispatches (synchronously, or the synchronous part
 * of an asynchronous dispatch), so a handler's calls continue its inbound trace without any code. A thread with no
 * active context starts a new trace for each call it makes (random id, sampled at the process's sample rate,
 * {@link TraceIds#sampleRate}). Code outside a cell may set one, to make its calls part of a trace of its own:
 * <pre>{@code
 * final TraceContext trace = TraceContext.current().startTrace(true);    // or continueFrom(traceparentHeader)
 * try
 * {
 *     storefront.buy(purchase);
 *     System.out.println("cell trace " + trace.traceIdHex());
 * }
 * finally
 * {
 *     trace.clear();
 * }
 * }</pre>
 * <b>Note:</b> one per thread and used by that thread only; reading or setting it allocates nothing. The serving
 * thread of an instance holds its own in a field (no thread-local lookup); other threads have theirs in a
 * {@link ThreadLocal}.
 *
 * @since 0.4
 */
public final class TraceContext
{
    /**
     * W3C trace-flags bit: the trace is sampled (its spans are recorded).
     */
    public static final int SAMPLED = 0x01;

    private static final ThreadLocal<TraceContext> LOCAL = ThreadLocal.withInitial(TraceContext::new);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private long traceIdHigh;
    private long traceIdLow;
    private long spanId;
    private int flags;

    /**
     * One per thread: see {@link #current()}.
     */
    TraceContext()
    {
    }

    /**
     * @return the calling thread's context (active or not).
     */
    public static TraceContext current()
    {
        return Thread.currentThread() instanceof ServingThread t ? t.trace : LOCAL.get();
    }

    /**
     * A platform thread that holds its trace context in a field, so {@link #current()} needs no thread-local lookup
     * on it: what an instance's duty cycle runs on.
     *
     * @param task what it runs.
     * @return the unstarted, non-daemon thread.
     */
    public static Thread newServingThread(final Runnable task)
    {
        return new ServingThread(task);
    }

    /**
     * @return whether a trace is set (a non-zero trace id).
     */
    public boolean isActive()
    {
        return (traceIdHigh | traceIdLow) != 0;
    }

    /**
     * @return the trace id's first 8 bytes (0 when inactive).
     */
    public long traceIdHigh()
    {
        return traceIdHigh;
    }

    /**
     * @return the trace id's last 8 bytes (0 when inactive).
     */
    public long traceIdLow()
    {
        return traceIdLow;
    }

    /**
     * @return the current span (the parent of the calls made now), 0 for none: calls then start the server side's
     * spans as roots of the trace.
     */
    public long spanId()
    {
        return spanId;
    }

    /**
     * @return the W3C trace flags.
     */
    public int flags()
    {
        return flags;
    }

    /**
     * @return whether the trace is sampled.
     */
    public boolean sampled()
    {
        return (flags & SAMPLED) != 0;
    }

    /**
     * @param traceIdHigh the trace id's first 8 bytes.
     * @param traceIdLow  the trace id's last 8 bytes.
     * @param spanId      the current span, 0 for none.
     * @param flags       W3C trace flags.
     * @return this.
     */
    public TraceContext set(final long traceIdHigh, final long traceIdLow, final long spanId, final int flags)
    {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.spanId = spanId;
        this.flags = flags;
        return this;
    }

    /**
     * Leave the trace: calls made afterwards start new traces again.
     */
    public void clear()
    {
        traceIdHigh = 0;
        traceIdLow = 0;
        spanId = 0;
        flags = 0;
    }

    /**
     * Start a new trace on this thread, with no span of its own: the spans of the calls made now are its roots.
     *
     * @param sampled whether its spans are recorded (instances record sampled traces by default).
     * @return this.
     */
    public TraceContext startTrace(final boolean sampled)
    {
        final long seed = TraceIds.nextSeed();
        return set(TraceIds.high(seed), TraceIds.low(seed), 0, sampled ? SAMPLED : 0);
    }

    /**
     * Continue a trace begun elsewhere, from a W3C {@code traceparent} value
     * ({@code 00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>}).
     *
     * @param traceparent the header's value.
     * @return true when it was valid and is now set; false (and nothing changed) when not.
     */
    public boolean continueFrom(final String traceparent)
    {
        if (traceparent == null)
        {
            return false;
        }
        final String s = traceparent.trim();
        if (s.length() < 55 || s.charAt(2) != '-' || s.charAt(35) != '-' || s.charAt(52) != '-' ||
            (s.length() > 55 && s.charAt(55) != '-') || s.startsWith("ff"))
        {
            return false;
        }
        try
        {
            final int version = Integer.parseInt(s, 0, 2, 16);
            if (version == 0 && s.length() != 55)
            {
                return false;
            }
            final long high = Long.parseUnsignedLong(s, 3, 19, 16);
            final long low = Long.parseUnsignedLong(s, 19, 35, 16);
            final long parent = Long.parseUnsignedLong(s, 36, 52, 16);
            final int traceFlags = Integer.parseInt(s, 53, 55, 16);
            if ((high | low) == 0 || parent == 0 || !lowerHex(s))
            {
                return false;
            }
            set(high, low, parent, traceFlags);
            return true;
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }

    /**
     * @return the W3C {@code traceparent} of the current span (for a call leaving Cell), or null when inactive.
     */
    public String traceparent()
    {
        if (!isActive())
        {
            return null;
        }
        final StringBuilder sb = new StringBuilder(55).append("00-");
        hex(sb, traceIdHigh);
        hex(sb, traceIdLow);
        sb.append('-');
        hex(sb, spanId);
        sb.append('-').append(HEX[(flags >> 4) & 0xF]).append(HEX[flags & 0xF]);
        return sb.toString();
    }

    /**
     * @return the trace id as 32 lower-case hex digits, or null when inactive.
     */
    public String traceIdHex()
    {
        return isActive() ? traceIdHex(traceIdHigh, traceIdLow) : null;
    }

    /**
     * @param high the trace id's first 8 bytes.
     * @param low  its last 8 bytes.
     * @return 32 lower-case hex digits.
     */
    public static String traceIdHex(final long high, final long low)
    {
        final StringBuilder sb = new StringBuilder(32);
        hex(sb, high);
        hex(sb, low);
        return sb.toString();
    }

    /**
     * @param spanId a span id.
     * @return 16 lower-case hex digits.
     */
    public static String spanIdHex(final long spanId)
    {
        final StringBuilder sb = new StringBuilder(16);
        hex(sb, spanId);
        return sb.toString();
    }

    private static void hex(final StringBuilder sb, final long v)
    {
        for (int shift = 60; shift >= 0; shift -= 4)
        {
            sb.append(HEX[(int)(v >>> shift) & 0xF]);
        }
    }

    private static boolean lowerHex(final String s)
    {
        for (int i = 0; i < 55; i++)
        {
            final char c = s.charAt(i);
            if (c != '-' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f'))
            {
                return false;
            }
        }
        return true;
    }

    private static final class ServingThread extends Thread
    {
        private final TraceContext trace = new TraceContext();

        ServingThread(final Runnable task)
        {
            super(task);
            setDaemon(false);
        }
    }
}
