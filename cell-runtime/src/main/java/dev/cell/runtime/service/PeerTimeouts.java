package dev.cell.runtime.service;

/**
 * How long an instance waits on a client before it reclaims the client's junction (read once per instance from
 * system properties, in milliseconds):
 * <ul>
 *     <li>{@value #CLIENT_TIMEOUT_PROPERTY} (default {@value #DEFAULT_CLIENT_TIMEOUT_MS}): the client's heartbeat
 *     in the junction header (written every 250 ms by one daemon thread per client JVM, idle or not) stood still
 *     this long: the client is hung or stopped (SIGSTOP, a debugger); its junction is closed and deleted.</li>
 *     <li>{@value #CLAIM_TIMEOUT_PROPERTY} (default {@value #DEFAULT_CLAIM_TIMEOUT_MS}): a record the client claimed
 *     in its ring stayed uncommitted this long (it failed or died between claim and commit): the junction is
 *     closed. The same bound unblocks the accept ring behind an announcement whose writer died mid-write.</li>
 * </ul>
 *
 * @param clientTimeoutNs a client heartbeat older than this reclaims its junction.
 * @param claimTimeoutNs  a claim uncommitted for this long closes its junction (or unblocks the accept ring).
 * @since 0.1
 */
public record PeerTimeouts(long clientTimeoutNs, long claimTimeoutNs)
{
    /**
     * System property: client heartbeat timeout, ms.
     */
    public static final String CLIENT_TIMEOUT_PROPERTY = "cell.server.client.timeout.ms";

    /**
     * System property: uncommitted claim timeout, ms.
     */
    public static final String CLAIM_TIMEOUT_PROPERTY = "cell.server.claim.timeout.ms";

    /**
     * Default client heartbeat timeout, ms.
     */
    public static final long DEFAULT_CLIENT_TIMEOUT_MS = 10_000;

    /**
     * Default uncommitted claim timeout, ms.
     */
    public static final long DEFAULT_CLAIM_TIMEOUT_MS = 1_000;

    /**
     * @return the timeouts from the system properties.
     * @throws IllegalArgumentException when one is not a positive number.
     */
    public static PeerTimeouts fromProperties()
    {
        return new PeerTimeouts(
            millis(CLIENT_TIMEOUT_PROPERTY, DEFAULT_CLIENT_TIMEOUT_MS) * 1_000_000L,
            millis(CLAIM_TIMEOUT_PROPERTY, DEFAULT_CLAIM_TIMEOUT_MS) * 1_000_000L);
    }

    private static long millis(final String property, final long defaultValue)
    {
        final String value = System.getProperty(property);
        if (value == null || value.isBlank())
        {
            return defaultValue;
        }
        try
        {
            final long ms = Long.parseLong(value.trim());
            if (ms <= 0)
            {
                throw new NumberFormatException();
            }
            return ms;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("-D" + property + "=" + value + " is not a positive number of " +
                "milliseconds");
        }
    }
}
