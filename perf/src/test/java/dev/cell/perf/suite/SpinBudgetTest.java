package dev.cell.perf.suite;

import dev.cell.runtime.transport.axon.AxonMedia;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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
            for (final Contender c : Contender.all(budget))
            {
                assertTrue(c.spinners() <= budget.maxSpinners(), c.id() + " on " + cores + " cores spins " +
                    c.spinners() + " threads");
            }
            final Contender floor = Contender.all(budget).getFirst();
            assertEquals(budget.spinnersInUse(), floor.spinners(), "the floor spins what the budget gives it");
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
        assertEquals(List.of("floor", "ring", "junction-eco", "junction-bare", "junction-observed", "aeron-ipc",
            "aeron-udp", "axon", "axon-plain", "tcp", "uds", "grpc"), ids.stream().filter(i -> !i.endsWith("-netns"))
            .toList());
        assertEquals(Netns.unavailable() == null ? List.of("aeron-udp-netns", "axon-netns", "axon-plain-netns") :
            List.of(), ids.stream().filter(i -> i.endsWith("-netns")).toList(), "the namespace rows where they can run");
    }

    @Test
    void theAxonRowsAndTheirRawBaselineWaitAlikeAndSpinNothing()
    {
        for (final int cores : new int[] {1, 2, 16})
        {
            final Map<String, Contender> byId = Contender.all(SpinBudget.forCores(cores)).stream()
                .collect(Collectors.toMap(Contender::id, c -> c));
            final Contender udp = byId.get("aeron-udp");
            assertEquals("peer back-off, pinger back-off, " + AeronIpc.UDP_DRIVER_PROFILE, udp.profile());
            assertTrue(AeronIpc.UDP_DRIVER_PROFILE.contains(AxonMedia.INVOKED ? "INVOKER" : "SHARED"),
                AeronIpc.UDP_DRIVER_PROFILE);
            for (final String id : List.of("axon", "axon-plain"))
            {
                final Contender axon = byId.get(id);
                assertEquals("instance eco, client eco, " + AeronIpc.UDP_DRIVER_PROFILE,
                    axon.profile(), id);
                assertEquals(0, axon.spinners(), id);
            }
            assertEquals(0, udp.spinners());
            assertEquals(0, byId.get("junction-eco").spinners());
        }
        final Contender spin = Contender.all(SpinBudget.forCores(8)).stream()
            .filter(c -> c.id().equals("junction-spin")).findFirst().orElseThrow();
        assertEquals(2, spin.spinners(), "instance and client spin on 8 cores");
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
