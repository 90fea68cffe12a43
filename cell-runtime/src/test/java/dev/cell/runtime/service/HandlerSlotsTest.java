package dev.cell.runtime.service;

import dev.cell.ring.InstanceCounters;
import dev.cell.runtime.genome.Genome;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Handler slots: a handler's position in its genome, for the first 64; the 65th on, and templates of no handler,
 * share the other slot; the names a reader gets are the slots' handlers in that order.
 */
class HandlerSlotsTest
{
    @Test
    void theFirst64HandlersHaveTheirOwnSlotTheRestShareTheOtherOne()
    {
        final List<Genome.Handler> handlers = new ArrayList<>();
        for (int i = 0; i < 70; i++)
        {
            // Template ids need not follow the order of the names: h00 has template 1000, h69 template 1000 - 69 * 7.
            handlers.add(new Genome.Handler(String.format("h%02d", i), "Req" + i, 1000 - i * 7, "Res" + i,
                2000 + i, List.of(), String.format("%016x", i)));
        }
        final Genome genome = new Genome("many", "1.0.0", "0000000000000001", 1, 0, handlers, List.of(), "");
        final HandlerSlots slots = new HandlerSlots(genome);
        assertEquals(0, slots.slotOf(1000));
        assertEquals(63, slots.slotOf(1000 - 63 * 7));
        assertEquals(InstanceCounters.OTHER_SLOT, slots.slotOf(1000 - 64 * 7), "the 65th handler");
        assertEquals(InstanceCounters.OTHER_SLOT, slots.slotOf(1000 - 69 * 7));
        assertEquals(InstanceCounters.OTHER_SLOT, slots.slotOf(2000), "a result template names no handler");
        assertEquals(InstanceCounters.OTHER_SLOT, slots.slotOf(-1));
        assertEquals(InstanceCounters.OTHER_SLOT, slots.slotOf(65_535));
        final List<String> names = HandlerSlots.names(genome);
        assertEquals(64, names.size());
        assertEquals("h00", names.getFirst());
        assertEquals("h63", names.getLast());
    }
}
