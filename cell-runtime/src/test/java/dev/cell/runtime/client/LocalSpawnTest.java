package dev.cell.runtime.client;

import dev.cell.runtime.log.CellLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run-time auto-spawn's decision ({@link LocalSpawn}), with members whose estimates the test sets: a spawn is asked
 * for only after the best instance has been too slow for the configured looks in a row, never while an instance on
 * this host is a member, once at a time, and again after a failure only once the back-off has passed.
 */
class LocalSpawnTest
{
    private static final long MS = 1_000_000L;

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final CellLog log = (level, event, high, low, span, fields) -> events.add(event);

    @AfterEach
    void noRequester()
    {
        LocalSpawn.requester(null);
    }

    @Test
    void asksOnceTheBestHasBeenTooSlowForTheLooksInARow() throws Exception
    {
        final LinkedBlockingQueue<String> asked = new LinkedBlockingQueue<>();
        LocalSpawn.requester(cell ->
        {
            asked.add(cell);
            return "ok: spawned " + cell;
        });
        final LocalSpawn spawn = new LocalSpawn("exchange", 5, 3, log);
        final AtomicInteger refreshed = new AtomicInteger();
        spawn.onSpawned(refreshed::incrementAndGet);
        final RaceMember far = remote("far", 40 * MS);
        final RaceMember near = remote("near", 2 * MS);
        final RaceMember[] both = {far, near};
        final RaceMember[] farOnly = {far};

        for (int i = 0; i < 10; i++)
        {
            spawn.look(both, 0); // the best is near enough
        }
        spawn.look(farOnly, 0);
        spawn.look(farOnly, 0);
        spawn.look(both, 0); // a good look resets the count
        spawn.look(farOnly, 0);
        spawn.look(farOnly, 0);
        assertNull(asked.poll(50, TimeUnit.MILLISECONDS), "two looks in a row are not three");
        spawn.look(farOnly, 0);
        assertEquals("exchange", asked.poll(10, TimeUnit.SECONDS));
        awaitEvent("race.spawned");
        assertEquals(1, refreshed.get(), "the instance list is read again once the spawn answers");
        assertTrue(events.contains("race.spawn"), events.toString());
    }

    @Test
    void neverAsksWhileAnInstanceOnThisHostRaces() throws Exception
    {
        final AtomicInteger asked = new AtomicInteger();
        LocalSpawn.requester(cell ->
        {
            asked.incrementAndGet();
            return "ok";
        });
        final LocalSpawn spawn = new LocalSpawn("exchange", 5, 1, log);
        final RaceMember local = new RaceMember("mine", "instance mine", new StubConnection(), 0, true);
        local.observe(80 * MS, 0); // slow, but here: spawning another would not help
        for (int i = 0; i < 20; i++)
        {
            spawn.look(new RaceMember[]{remote("far", 40 * MS), local}, 0);
        }
        spawn.look(new RaceMember[]{new RaceMember("silent", "silent", new StubConnection(), 0)}, 0);
        assertEquals(0, asked.get(), "not asked with a local member, nor without any measure");
    }

    @Test
    void aFailedSpawnIsAskedAgainOnlyAfterTheBackOff() throws Exception
    {
        final LinkedBlockingQueue<String> asked = new LinkedBlockingQueue<>();
        LocalSpawn.requester(cell ->
        {
            asked.add(cell);
            throw new IllegalStateException("the supervisor is gone");
        });
        final LocalSpawn spawn = new LocalSpawn("exchange", 5, 1, log);
        final RaceMember[] far = {remote("far", 40 * MS)};
        spawn.look(far, 0);
        assertEquals("exchange", asked.poll(10, TimeUnit.SECONDS));
        awaitEvent("race.spawn.failed");
        final long now = System.nanoTime();
        spawn.look(far, now);
        spawn.look(far, now + 29_000 * MS);
        assertNull(asked.poll(50, TimeUnit.MILLISECONDS), "within the 30 s back-off");
        spawn.look(far, now + 31_000 * MS);
        assertEquals("exchange", asked.poll(10, TimeUnit.SECONDS), "after it");
    }

    @Test
    void withoutASupervisorItSaysSoOnce()
    {
        final LocalSpawn spawn = new LocalSpawn("exchange", 5, 1, log);
        for (int i = 0; i < 5; i++)
        {
            spawn.look(new RaceMember[]{remote("far", 40 * MS)}, 0);
        }
        assertEquals(List.of("race.spawn.unavailable"), events);
    }

    @Test
    void thePropertyIsReadAndCheckedAndAMajorFallsBackToThePlainName()
    {
        System.setProperty("cell.race.ledger.spawn", "2.5,6");
        System.setProperty("cell.race.broken.spawn", "fast");
        try
        {
            assertTrue(LocalSpawn.fromProperties("ledger@2", log) != null);
            assertNull(LocalSpawn.fromProperties("other", log));
            final IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> LocalSpawn.fromProperties("broken", log));
            assertTrue(bad.getMessage().contains("cell.race.broken.spawn='fast'"), bad.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new LocalSpawn("x", 0, 1, log));
            assertThrows(IllegalArgumentException.class, () -> new LocalSpawn("x", 5, 0, log));
        }
        finally
        {
            System.clearProperty("cell.race.ledger.spawn");
            System.clearProperty("cell.race.broken.spawn");
        }
    }

    private static RaceMember remote(final String id, final long rttNs)
    {
        final RaceMember m = new RaceMember(id, id, new StubConnection(), 0);
        m.observe(rttNs, 0);
        return m;
    }

    private void awaitEvent(final String event) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!events.contains(event))
        {
            assertTrue(System.nanoTime() - deadline < 0, "no " + event + " in " + events);
            Thread.sleep(5);
        }
    }
}
