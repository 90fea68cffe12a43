package dev.cell.systemtest.net;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Skip-or-fail policy for tests that need network namespaces (or tools used inside them): where the facility cannot be
 * had the test is skipped with the reason printed, unless the environment variable {@value #REQUIRE_ENV} is {@code 1}
 * or {@code true} (CI sets it), in which case the test fails instead, so that a CI machine that lost the ability does
 * not pass by skipping.
 */
public final class NetnsRequirement
{
    /**
     * The environment variable that turns skips into failures.
     */
    public static final String REQUIRE_ENV = "CELL_REQUIRE_NETNS";

    /**
     * What a test does about a facility.
     */
    public enum Outcome
    {
        /**
         * The facility is there: run.
         */
        RUN,
        /**
         * Not there and not required: skip.
         */
        SKIP,
        /**
         * Not there but required: fail.
         */
        FAIL
    }

    /**
     * The decision and the message to print with it.
     *
     * @param outcome run, skip or fail.
     * @param message the reason.
     */
    public record Decision(Outcome outcome, String message)
    {
    }

    private NetnsRequirement()
    {
    }

    /**
     * Decide without side effects.
     *
     * @param availability whether the facility can be had.
     * @param requireEnv   the value of {@value #REQUIRE_ENV}, or null when unset.
     * @return the decision.
     */
    public static Decision decide(final Availability availability, final String requireEnv)
    {
        if (availability.available())
        {
            return new Decision(Outcome.RUN, availability.reason());
        }
        if (isRequired(requireEnv))
        {
            return new Decision(Outcome.FAIL, REQUIRE_ENV + "=" + requireEnv + " but unavailable: " +
                availability.reason());
        }
        return new Decision(Outcome.SKIP, "skipped, unavailable: " + availability.reason() + " (set " + REQUIRE_ENV +
            "=1 to fail instead)");
    }

    /**
     * @param requireEnv the value of {@value #REQUIRE_ENV}, or null when unset.
     * @return whether it asks for unavailability to fail tests.
     */
    public static boolean isRequired(final String requireEnv)
    {
        return requireEnv != null && ("1".equals(requireEnv.trim()) || "true".equalsIgnoreCase(requireEnv.trim()));
    }

    /**
     * Apply the policy to a facility in the calling test: return when available, otherwise print the reason and abort
     * (skip) the test, or fail it when {@value #REQUIRE_ENV} asks for that.
     *
     * @param what         the facility, for the message.
     * @param availability whether it can be had.
     */
    public static void require(final String what, final Availability availability)
    {
        final Decision decision = decide(availability, System.getenv(REQUIRE_ENV));
        switch (decision.outcome())
        {
            case RUN ->
            {
            }
            case SKIP ->
            {
                System.out.println(what + ": " + decision.message());
                Assumptions.abort(what + ": " + decision.message());
            }
            case FAIL -> Assertions.fail(what + ": " + decision.message());
        }
    }

    /**
     * {@link #require(String, Availability)} for network namespaces.
     */
    public static void requireNetns()
    {
        require("network namespaces", NetNamespaces.availability());
    }
}
