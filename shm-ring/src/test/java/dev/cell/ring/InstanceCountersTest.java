package dev.cell.ring;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-handler slots of {@code instance.dat}: what one writer counts is what a reader copies, slot by slot; the
 * slots stay clear of the instance-wide counters and the accept ring; out-of-range slots and codes land in their
 * catch-alls; and a reader racing the writer sees every counter only move forward, never more runs than calls.
 */
class InstanceCountersTest
{
    @Test
    void eachSlotKeepsItsOwnCallsErrorsFailuresAndHistogram() throws Exception
    {
        final Path dir = TestDirs.newDir("counters");
        try (InstanceFile file = InstanceFile.create(dir, 0x77, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            final InstanceCounters c = file.counters();
            for (int i = 0; i < 5; i++)
            {
                c.handlerCall(0);
                c.handlerServiceTime(0, 1_000);
            }
            c.handlerCall(63);
            c.handlerServiceTime(63, 2_000_000);
            c.handlerDeclaredError(63);
            c.handlerFailure(63, 4);
            c.handlerFailure(63, 4);
            c.handlerFailure(63, 99); // no such code: counted under 0
            c.handlerCall(64);        // the other slot
            c.handlerCall(1_000);     // out of range: the other slot too
            c.handlerCall(-1);
            c.replyBackPressured();
            c.idle(InstanceCounters.IDLE_ECO, 12, 3_000_000, 2);
            file.incrementCalls();

            final CountersSnapshot s = new CountersSnapshot();
            assertTrue(s.read(file.path()));
            assertEquals(5, s.slotCalls(0));
            assertEquals(5, s.slotCount(0));
            assertEquals(5_000, s.slotSumNs(0));
            assertEquals(5, s.slotBucket(0, ServiceTimes.bucket(1_000)));
            assertEquals(0, s.slotDeclaredErrors(0));
            assertEquals(1, s.slotCalls(63));
            assertEquals(1, s.slotCount(63));
            assertEquals(2_000_000, s.slotSumNs(63));
            assertEquals(1, s.slotDeclaredErrors(63));
            assertEquals(2, s.slotFailures(63, 4));
            assertEquals(1, s.slotFailures(63, 0));
            assertEquals(3, s.slotCalls(InstanceCounters.OTHER_SLOT));
            for (int slot = 1; slot < 63; slot++)
            {
                assertFalse(s.slotUsed(slot), "slot " + slot + " was never written");
                assertEquals(0, s.slotCount(slot));
            }
            assertEquals(1, s.calls(), "the instance-wide counter is its own");
            assertEquals(0, s.errors());
            assertEquals(1, s.backPressured());
            assertEquals(InstanceCounters.IDLE_ECO, s.idleProfile());
            assertEquals(12, s.idleSleeps());
            assertEquals(3_000_000, s.idleSleptNs());
            assertEquals(2, s.connections());
            assertEquals(0x77, s.fingerprint());
            assertEquals(ProcessHandle.current().pid(), s.pid());
            assertEquals(1, InstanceFile.readCalls(file.path()));
        }
    }

    @Test
    void theSlotsStayBetweenTheFixedHeaderAndTheAcceptRing() throws Exception
    {
        assertTrue(InstanceCounters.slotOffset(0) >= InstanceFile.FIXED_LENGTH);
        assertTrue(InstanceCounters.slotOffset(InstanceCounters.OTHER_SLOT) + InstanceCounters.SLOT_LENGTH <=
            InstanceFile.HEADER_LENGTH);
        assertEquals(0, InstanceFile.HEADER_LENGTH % 4096, "the accept ring starts on a page");
        final Path dir = TestDirs.newDir("counters-bounds");
        try (InstanceFile file = InstanceFile.create(dir, 1, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            file.state(InstanceFile.STATE_SERVING);
            final InstanceCounters c = file.counters();
            for (int slot = 0; slot < InstanceCounters.SLOTS; slot++)
            {
                c.handlerServiceTime(slot, Long.MAX_VALUE); // the last bucket of every slot
                for (int code = 0; code < InstanceCounters.FAILURE_CODES; code++)
                {
                    c.handlerFailure(slot, code);
                }
            }
            assertEquals(0, InstanceFile.readCalls(file.path()));
            assertEquals(0, InstanceFile.readErrors(file.path()));
            assertTrue(file.post("1-1.junction"), "the accept ring is intact");
            final AtomicReference<String> name = new AtomicReference<>();
            assertEquals(1, file.pollAccepts(name::set, 1));
            assertEquals("1-1.junction", name.get());
            try (InstanceFile reopened = InstanceFile.open(file.path()))
            {
                assertEquals(1, reopened.fingerprint());
            }
        }
    }

    @Test
    void aReaderRacingTheWriterSeesCountersOnlyGrowAndNeverMoreRunsThanCalls() throws Exception
    {
        final Path dir = TestDirs.newDir("counters-race");
        final int calls = 2_000_000;
        try (InstanceFile file = InstanceFile.create(dir, 2, InstanceFile.DEFAULT_ACCEPT_CAPACITY))
        {
            final InstanceCounters c = file.counters();
            final AtomicBoolean done = new AtomicBoolean();
            final Thread writer = Thread.ofPlatform().name("serving-thread").start(() ->
            {
                for (int i = 0; i < calls; i++)
                {
                    c.handlerCall(7);
                    c.handlerServiceTime(7, i & 0xFFFF);
                    if ((i & 1023) == 0)
                    {
                        c.handlerDeclaredError(7);
                    }
                }
                done.set(true);
            });
            final CountersSnapshot s = new CountersSnapshot();
            long lastCalls = 0;
            long lastCount = 0;
            long lastSum = 0;
            final long deadlineNs = System.nanoTime() + 60_000_000_000L;
            do
            {
                assertTrue(s.read(file.path()));
                final long count = s.slotCount(7);
                assertTrue(s.slotCalls(7) >= lastCalls, "calls went back");
                assertTrue(count >= lastCount, "histogram count went back");
                assertTrue(s.slotSumNs(7) >= lastSum, "sum went back");
                assertTrue(count <= s.slotCalls(7), count + " runs but " + s.slotCalls(7) + " calls");
                lastCalls = s.slotCalls(7);
                lastCount = count;
                lastSum = s.slotSumNs(7);
            }
            while (!done.get() && System.nanoTime() < deadlineNs);
            writer.join(60_000);
            assertFalse(writer.isAlive(), "the writer finished");
            assertTrue(s.read(file.path()));
            assertEquals(calls, s.slotCalls(7));
            assertEquals(calls, s.slotCount(7));
            assertEquals((calls + 1023) / 1024, s.slotDeclaredErrors(7));
            long sum = 0;
            for (int i = 0; i < calls; i++)
            {
                sum += i & 0xFFFF;
            }
            assertEquals(sum, s.slotSumNs(7));
            assertNull(file.acceptCorruption());
        }
    }
}
