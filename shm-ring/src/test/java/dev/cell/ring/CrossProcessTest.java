package dev.cell.ring;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

class CrossProcessTest
{
    private static final int CAPACITY = 1 << 16;
    private static final long TEN_SECONDS_NS = TimeUnit.SECONDS.toNanos(10);

    @Test
    void childEchoesAndFutexWakesItAcrossProcesses() throws Exception
    {
        assertTrue(Doorbell.futexAvailable(), "futex should work on Linux x86_64: " +
            Doorbell.futexUnavailableReason());
        final Path file = TestDirs.newDir("echo").resolve("e.junction");
        Process child = null;
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY))
        {
            // The child sleeps up to 30 s per sleep: an echo within 10 s proves the futex wake, not the timeout
            // (10 s, not less: on a loaded 2-core machine the woken child may wait long for a core).
            child = TestDirs.javaChild(EchoChild.class, file.toString(), Long.toString(30_000_000_000L)).start();
            awaitTrue(() -> client.peerPid() != 0, "child attached");
            assertEquals(child.pid(), client.peerPid());

            final UnsafeBuffer msg = new UnsafeBuffer(new byte[32]);
            final long[] got = new long[1];
            final FrameHandler handler = (final int t, final DirectBuffer b, final int i, final int l) ->
            {
                got[0] = b.getLong(i);
                return true;
            };
            for (int round = 1; round <= 5; round++)
            {
                // Wait until the child sleeps on its doorbell, then send.
                awaitTrue(() -> client.peerDoorbell().sleepers() > 0, "child sleeping");
                msg.putLong(0, round);
                final long startNs = System.nanoTime();
                assertEquals(Junction.OK, client.send(1, msg, 0, 32));
                final long deadlineNs = startNs + TEN_SECONDS_NS;
                got[0] = 0;
                while (got[0] != round)
                {
                    client.read(handler, 10);
                    assertTrue(System.nanoTime() < deadlineNs, "no echo within 10 s of a 30 s sleep: futex wake lost");
                    Thread.onSpinWait();
                }
                System.out.printf("futex wake + echo round trip: %.1f us%n", (System.nanoTime() - startNs) / 1e3);
            }
        }
        finally
        {
            if (child != null)
            {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void killedPeerIsDetectedWithinOneSecond() throws Exception
    {
        final Path file = TestDirs.newDir("kill").resolve("k.junction");
        Process child = null;
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY))
        {
            child = TestDirs.javaChild(EchoChild.class, file.toString(), Long.toString(100_000_000L)).start();
            awaitTrue(() -> client.peerPid() != 0, "child attached");
            assertTrue(client.peerAlive());
            final long killedNs = System.nanoTime();
            child.destroyForcibly(); // SIGKILL
            while (client.peerAlive())
            {
                assertTrue(System.nanoTime() - killedNs < TimeUnit.SECONDS.toNanos(1), "kill not detected in 1 s");
                Thread.onSpinWait();
            }
            final long detectedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
            System.out.println("kill -9 detected after " + detectedMs + " ms");
            assertTrue(detectedMs < 1000);
        }
        finally
        {
            if (child != null)
            {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void inProcessDoorbellWakesSleeper() throws Exception
    {
        final Path file = TestDirs.newDir("doorbell").resolve("d.junction");
        try (Junction client = Junction.create(file, CAPACITY, CAPACITY);
            Junction server = Junction.attach(file))
        {
            final Doorbell bell = server.localDoorbell();
            final long[] wokeAfterNs = new long[1];
            final Thread sleeper = Thread.ofPlatform().start(() ->
            {
                final long startNs = System.nanoTime();
                final int seq = bell.prepareSleep();
                if (!server.hasInbound())
                {
                    bell.sleep(seq, TimeUnit.SECONDS.toNanos(20));
                }
                else
                {
                    bell.cancelSleep();
                }
                wokeAfterNs[0] = System.nanoTime() - startNs;
            });
            awaitTrue(() -> bell.sleepers() > 0, "sleeper registered");
            assertEquals(Junction.OK, client.send(1, new UnsafeBuffer(new byte[8]), 0, 8));
            sleeper.join(5_000);
            assertFalse(sleeper.isAlive());
            assertTrue(wokeAfterNs[0] < TimeUnit.SECONDS.toNanos(5), "woken by the send, not the timeout");
            assertEquals(0, bell.sleepers());
        }
    }

    private static void awaitTrue(final java.util.function.BooleanSupplier condition, final String what)
    {
        final long deadlineNs = System.nanoTime() + TEN_SECONDS_NS;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadlineNs)
            {
                fail("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
