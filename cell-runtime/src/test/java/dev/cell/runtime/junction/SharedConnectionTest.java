package dev.cell.runtime.junction;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.junction.TestSupport.MemoryLog;
import dev.cell.runtime.service.CellServer;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static dev.cell.runtime.junction.TestSupport.startEcho;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One connection, first used by the thread that opened it alone (its lock-free path), then shared by blocking callers
 * on several threads and async callers at once: every call gets its own reply, before and after the hand-over.
 */
class SharedConnectionTest
{
    private static final int THREADS = 4;
    private static final int CALLS = 500;

    @Test
    void shouldAnswerEveryCallerItsOwnReplyOnceShared() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new MemoryLog());
            CellConnection c = CellConnection.connect(EchoCell.NAME, 0, client(home)))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            for (int i = 0; i < CALLS; i++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
                assertEquals(i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }

            final CountDownLatch start = new CountDownLatch(1);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final long base = (t + 1) * 1_000_000L;
                threads.add(Thread.ofPlatform().start(() -> callMany(c, base, start, failure)));
            }
            final List<CompletableFuture<Reply>> futures = new ArrayList<>();
            start.countDown();
            for (int i = 0; i < CALLS; i++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 50_000 + i), reply);
                assertEquals(50_000 + i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                if (i % 10 == 0)
                {
                    futures.add(c.callAsync(req, 0, EchoCell.request(req, EchoCell.ECHO, 90_000 + i)));
                }
            }
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(30));
                assertTrue(!thread.isAlive(), "caller thread did not finish within 30 s");
            }
            assertNull(failure.get(), () -> "a caller failed: " + failure.get());
            for (int i = 0; i < futures.size(); i++)
            {
                final Reply r = futures.get(i).get(10, TimeUnit.SECONDS);
                assertEquals(90_000 + i * 10, r.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
            assertTrue(server.calls() >= 2L * CALLS + THREADS * CALLS, "calls served: " + server.calls());
        }
    }

    private static void callMany(
        final CellConnection c, final long base, final CountDownLatch start, final AtomicReference<Throwable> failure)
    {
        try
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            if (!start.await(10, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("not started");
            }
            for (int i = 0; i < CALLS; i++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, base + i), reply);
                final long echoed = reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN);
                if (echoed != base + i)
                {
                    throw new AssertionError("call " + (base + i) + " got the reply of " + echoed);
                }
            }
        }
        catch (final Throwable ex)
        {
            failure.compareAndSet(null, ex);
        }
    }
}
