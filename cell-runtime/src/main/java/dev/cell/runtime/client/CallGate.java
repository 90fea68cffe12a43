package dev.cell.runtime.client;

import java.util.concurrent.locks.LockSupport;

/**
 * Lets the thread that opened a connection make blocking calls without taking a lock while it is the only thread that
 * uses the connection; once any other thread uses it (or an async call starts the receiver thread) every caller takes
 * the connection's locks from then on.
 * <p>
 * The hand-over is Dekker's: the owner publishes that it is inside ({@code ownerInside}, volatile) and then reads
 * {@code shared}; another thread publishes {@code shared} and then waits until the owner is outside. Volatile
 * accesses are totally ordered, so at most one of them proceeds unlocked, and the owner's unlocked work
 * happens-before anything the other thread does after the wait.
 */
final class CallGate
{
    private static final long WAIT_NS = 50_000L;

    private final Thread owner;
    private volatile boolean shared;
    private volatile boolean ownerInside;

    /**
     * @param owner the thread that may call unlocked.
     */
    CallGate(final Thread owner)
    {
        this.owner = owner;
    }

    /**
     * Enter without a lock, when the caller is the owner and nobody else used the connection yet; a true return
     * must be followed by {@link #exitUnlocked()}.
     *
     * @return true when the caller may go on without locks.
     */
    boolean enterUnlocked()
    {
        if (shared || Thread.currentThread() != owner)
        {
            return false;
        }
        ownerInside = true;
        if (shared)
        {
            ownerInside = false;
            return false;
        }
        return true;
    }

    /**
     * Leave what {@link #enterUnlocked()} entered.
     */
    void exitUnlocked()
    {
        ownerInside = false;
    }

    /**
     * Mark the connection shared (every caller locks from now on) and wait until the owner left its unlocked call,
     * at most as long as that call runs (its timeout bounds it).
     */
    void share()
    {
        if (!shared)
        {
            shared = true;
        }
        while (ownerInside && Thread.currentThread() != owner)
        {
            LockSupport.parkNanos(WAIT_NS);
        }
    }

    /**
     * @return true once any thread but the owner used the connection.
     */
    boolean isShared()
    {
        return shared;
    }
}
