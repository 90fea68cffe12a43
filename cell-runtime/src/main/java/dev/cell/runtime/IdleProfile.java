package dev.cell.runtime;

/**
 * How an instance's duty cycle (and a waiting client) behaves when there is nothing to do.
 *
 * @since 0.1
 */
public enum IdleProfile
{
    /**
     * Default: back off from spinning to yielding to sleeping on a futex, so an idle instance uses about 0 % CPU and
     * a call wakes it within microseconds.
     */
    ECO,

    /**
     * Busy-spin: lowest latency, one core per spinning thread. Opt in with {@code latency = "spin"} in
     * {@code cell.toml}; never more spinners than cores.
     */
    SPIN;

    /**
     * @param value "eco" or "spin", any case.
     * @return the profile.
     * @throws IllegalArgumentException naming the accepted values.
     */
    public static IdleProfile parse(final String value)
    {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT))
        {
            case "eco" -> ECO;
            case "spin" -> SPIN;
            default -> throw new IllegalArgumentException(
                "unknown latency profile '" + value + "': use \"eco\" (default, sleeps when idle) or \"spin\"");
        };
    }
}
