package dev.cell.tissue.supervise;

import java.util.Locale;

/**
 * The state of a cell or one of its instances.
 */
enum State
{
    /**
     * Waiting for its dependencies.
     */
    WAITING,
    /**
     * Started, not yet answering.
     */
    STARTING,
    /**
     * Answering.
     */
    READY,
    /**
     * Waiting to be restarted after a crash.
     */
    BACKOFF,
    /**
     * Stopped itself after its idle timeout; the next call starts it.
     */
    DORMANT,
    /**
     * Crash-looped or could not start; stopped.
     */
    FAILED,
    /**
     * Stopped on request.
     */
    STOPPED;

    public String lower()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
