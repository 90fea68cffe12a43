package dev.cell.systemtest.net;

import org.junit.jupiter.api.Test;

import static dev.cell.systemtest.net.NetnsRequirement.Outcome.FAIL;
import static dev.cell.systemtest.net.NetnsRequirement.Outcome.RUN;
import static dev.cell.systemtest.net.NetnsRequirement.Outcome.SKIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The skip-or-fail decision, without namespaces.
 */
class NetnsRequirementTest
{
    private static final Availability YES = Availability.yes("probe made and deleted");
    private static final Availability NO = Availability.no("not running as root (uid 1000)");

    @Test
    void availableRunsWhateverTheVariableSays()
    {
        assertEquals(RUN, NetnsRequirement.decide(YES, null).outcome());
        assertEquals(RUN, NetnsRequirement.decide(YES, "1").outcome());
        assertEquals(RUN, NetnsRequirement.decide(YES, "0").outcome());
    }

    @Test
    void unavailableSkipsUnlessRequired()
    {
        for (final String value : new String[]{ null, "", "0", "false", "no", "2" })
        {
            final NetnsRequirement.Decision decision = NetnsRequirement.decide(NO, value);
            assertEquals(SKIP, decision.outcome(), "CELL_REQUIRE_NETNS=" + value);
            assertTrue(decision.message().contains(NO.reason()), decision.message());
        }
    }

    @Test
    void unavailableFailsWhenRequired()
    {
        for (final String value : new String[]{ "1", " 1 ", "true", "TRUE" })
        {
            final NetnsRequirement.Decision decision = NetnsRequirement.decide(NO, value);
            assertEquals(FAIL, decision.outcome(), "CELL_REQUIRE_NETNS=" + value);
            assertTrue(decision.message().contains(NO.reason()), decision.message());
            assertTrue(decision.message().contains(NetnsRequirement.REQUIRE_ENV), decision.message());
        }
    }

    @Test
    void availabilityAlwaysHasAReason()
    {
        final Availability availability = NetNamespaces.availability();
        assertTrue(!availability.reason().isBlank(), availability.toString());
        assertEquals(availability, NetNamespaces.availability(), "probed once, then cached");
    }
}
