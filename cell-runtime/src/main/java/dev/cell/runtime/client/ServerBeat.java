package dev.cell.runtime.client;

/**
 * The instance's heartbeat in the junction header as a connection last saw it: it moves every 100 ms while the
 * instance's duty cycle runs, and is judged by this process's monotonic clock (a wall clock step cannot fake a hang).
 * Thread safe: the blocking caller and the receiver thread both check it.
 */
final class ServerBeat
{
    private final long hungTimeoutNs;
    private long lastBeat;
    private long seenNs;

    ServerBeat(final long beat, final long nowNs, final long hungTimeoutNs)
    {
        this.lastBeat = beat;
        this.seenNs = nowNs;
        this.hungTimeoutNs = hungTimeoutNs;
    }

    /**
     * @param beat  the heartbeat now in the header.
     * @param nowNs monotonic clock.
     * @return how long it stood still, once that reached the hung timeout; else -1.
     */
    synchronized long hungForNs(final long beat, final long nowNs)
    {
        if (beat != lastBeat)
        {
            lastBeat = beat;
            seenNs = nowNs;
            return -1;
        }
        final long stillNs = nowNs - seenNs;
        return stillNs >= hungTimeoutNs ? stillNs : -1;
    }
}
