package dev.cell.runtime.client;

import dev.cell.runtime.CellException;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A connection's outstanding async calls: their futures by correlation id, and the completions the reading thread
 * collected, run later outside the receive lock (a future's callbacks may call the connection again).
 * Thread safe.
 */
final class PendingCalls
{
    private record Pending(CompletableFuture<Reply> future, long deadlineNs)
    {
    }

    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    private final List<Runnable> completions = new ArrayList<>();
    private volatile boolean hasCompletions;

    void add(final long correlationId, final CompletableFuture<Reply> future, final long deadlineNs)
    {
        synchronized (pending)
        {
            pending.put(correlationId, new Pending(future, deadlineNs));
        }
    }

    void remove(final long correlationId)
    {
        synchronized (pending)
        {
            pending.remove(correlationId);
        }
    }

    boolean isEmpty()
    {
        synchronized (pending)
        {
            return pending.isEmpty();
        }
    }

    /**
     * The reply to an async call: its future completes when {@link #runCompletions()} runs next.
     *
     * @return false when no async call has that id.
     */
    boolean reply(final long correlationId, final Reply reply)
    {
        final Pending p = take(correlationId);
        if (p == null)
        {
            return false;
        }
        synchronized (completions)
        {
            completions.add(() -> p.future().complete(reply));
            hasCompletions = true;
        }
        return true;
    }

    /**
     * The failure of an async call, completed when {@link #runCompletions()} runs next.
     */
    void fail(final long correlationId, final CellException ex)
    {
        final Pending p = take(correlationId);
        if (p != null)
        {
            synchronized (completions)
            {
                completions.add(() -> p.future().completeExceptionally(ex));
                hasCompletions = true;
            }
        }
    }

    private Pending take(final long correlationId)
    {
        synchronized (pending)
        {
            return pending.remove(correlationId);
        }
    }

    void runCompletions()
    {
        if (!hasCompletions)
        {
            return;
        }
        final List<Runnable> toRun;
        synchronized (completions)
        {
            toRun = new ArrayList<>(completions);
            completions.clear();
            hasCompletions = false;
        }
        for (final Runnable r : toRun)
        {
            r.run();
        }
    }

    void failAll(final CellException cause)
    {
        final List<Pending> all;
        synchronized (pending)
        {
            all = new ArrayList<>(pending.values());
            pending.clear();
        }
        for (final Pending p : all)
        {
            p.future().completeExceptionally(cause);
        }
    }

    /**
     * Fail the calls whose deadline passed.
     *
     * @param nowNs   monotonic clock.
     * @param timeout makes the exception for each.
     */
    void expire(final long nowNs, final java.util.function.Supplier<CellException> timeout)
    {
        final List<Pending> expired = new ArrayList<>();
        synchronized (pending)
        {
            final Long2ObjectHashMap<Pending>.EntryIterator it = pending.entrySet().iterator();
            while (it.hasNext())
            {
                it.next();
                final Pending p = it.getValue();
                if (nowNs - p.deadlineNs() >= 0)
                {
                    expired.add(p);
                    it.remove();
                }
            }
        }
        for (final Pending p : expired)
        {
            p.future().completeExceptionally(timeout.get());
        }
    }
}
