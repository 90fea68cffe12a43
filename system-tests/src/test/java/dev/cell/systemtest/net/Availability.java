package dev.cell.systemtest.net;

/**
 * Whether a facility a test needs (network namespaces, a capture tool) can be had on this machine, and why not.
 *
 * @param available true when it can.
 * @param reason    what was found, for the skip or failure message; never null.
 */
public record Availability(boolean available, String reason)
{
    /**
     * @param reason what was found.
     * @return an available facility.
     */
    public static Availability yes(final String reason)
    {
        return new Availability(true, reason);
    }

    /**
     * @param reason why it cannot be had.
     * @return an unavailable facility.
     */
    public static Availability no(final String reason)
    {
        return new Availability(false, reason);
    }
}
