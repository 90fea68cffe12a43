package dev.cell.perf.suite;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpinBudgetTest
{
    @Test
    void neverMoreSpinnersThanCoresMinusOne()
    {
        for (int cores = 1; cores <= 64; cores++)
        {
            final SpinBudget budget = SpinBudget.forCores(cores);
            assertEquals(cores - 1, budget.maxSpinners());
            assertTrue(budget.spinnersInUse() <= budget.maxSpinners(), "shared-memory paths, " + cores + " cores");
            final int junctionSpinners = 1 + (budget.junctionSpinClientSpins() ? 1 : 0);
            final boolean junctionSpinRuns = Contender.all(budget).stream()
                .anyMatch(c -> c.id().equals("junction-spin"));
            assertTrue(!junctionSpinRuns || junctionSpinners <= budget.maxSpinners(), "spin junction, " + cores);
        }
    }

    @Test
    void twoCoresSpinOnlyTheServingSide()
    {
        final SpinBudget budget = SpinBudget.forCores(2);
        assertEquals(Wait.SPIN, budget.peerWait());
        assertEquals(Wait.BACKOFF, budget.pingerWait());
        assertFalse(budget.junctionSpinClientSpins());
        assertEquals("peer spin, pinger back-off", budget.sharedMemoryProfile());
        final Contender spin = Contender.all(budget).stream().filter(c -> c.id().equals("junction-spin"))
            .findFirst().orElseThrow();
        assertEquals("instance spin, client eco", spin.profile());
    }

    @Test
    void oneCoreSpinsNothingAndSkipsTheSpinJunction()
    {
        final SpinBudget budget = SpinBudget.forCores(1);
        assertEquals(0, budget.spinnersInUse());
        final List<String> ids = Contender.all(budget).stream().map(Contender::id).toList();
        assertEquals(List.of("floor", "ring", "junction-eco", "aeron-ipc", "aeron-udp", "tcp", "uds", "grpc"), ids);
    }

    @Test
    void manyCoresSpinBothSides()
    {
        final SpinBudget budget = SpinBudget.forCores(8);
        assertEquals(2, budget.spinnersInUse());
        assertTrue(budget.junctionSpinClientSpins());
        assertThrows(IllegalArgumentException.class, () -> SpinBudget.forCores(0));
    }

    @Test
    void everyPathNamesItsWaitProfile()
    {
        for (final Contender c : Contender.all(SpinBudget.forCores(2)))
        {
            assertFalse(c.profile().isBlank(), c.id());
        }
        assertEquals(Wait.BACKOFF, Wait.parse("back-off"));
        assertThrows(IllegalArgumentException.class, () -> Wait.parse("busy"));
    }
}
