package dev.cell.runtime.transport.axon;

/**
 * An axon session end the process's keeper thread beats on: every side sends something at least every
 * {@link AxonMedia#KEEPALIVE_INTERVAL_NS}, whatever its owner's thread is doing (a caller idle between calls, an
 * instance in a long handler), so that silence means the process or the path is gone.
 */
interface AxonKeepAlive
{
    /**
     * Send an empty sealed frame when nothing was sent for the keepalive interval. Called by the keeper thread.
     *
     * @param nowNs monotonic clock.
     */
    void keepAlive(long nowNs);
}
