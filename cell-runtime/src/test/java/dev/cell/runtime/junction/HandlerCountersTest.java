package dev.cell.runtime.junction;

import dev.cell.ring.CountersSnapshot;
import dev.cell.ring.InstanceCounters;
import dev.cell.ring.InstanceFile;
import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.AsyncDispatcher;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.Dispatcher;
import dev.cell.runtime.service.Envelope;
import dev.cell.runtime.service.HandlerSlots;
import dev.cell.runtime.session.Protocol;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.MessageHeaderDecoder;
import dev.cell.sbe.codecs.MessageHeaderEncoder;
import dev.cell.sbe.codecs.RequestEncoder;
import dev.cell.sbe.codecs.WelcomeDecoder;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.cell.runtime.junction.TestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The serving thread's per-handler counters in {@code instance.dat}: each handler's calls, declared errors, failures
 * by code and service-time histogram land in its genome slot (echo's genome lists boom, echo, fail: slots 0, 1, 2),
 * requests naming no handler in the other slot; replies that wait for ring space are counted; the idle profile and
 * the genome that names the slots are published; an asynchronous handler's reply is counted once, with its time to
 * completion; the queue depth counts calls accepted and not answered yet.
 */
class HandlerCountersTest
{
    private static final int BOOM = 0;
    private static final int ECHO = 1;
    private static final int FAIL = 2;

    @Test
    void everyOutcomeIsCountedInItsHandlersSlot() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new MemoryLog());
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final Path file = server.runDir().resolve(InstanceFile.FILE_NAME);
            final Genome served = Genome.fromJson(Files.readString(server.runDir().resolve(HandlerSlots.GENOME_FILE),
                StandardCharsets.UTF_8));
            assertEquals(List.of("boom", "echo", "fail"), HandlerSlots.names(served));
            final CountersSnapshot before = snapshot(file);

            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            final int n = 37;
            for (int i = 0; i < n; i++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
            }
            for (int i = 0; i < 3; i++)
            {
                EchoCell.request(req, EchoCell.FAIL, 0);
                c.call(req, 0, 16, reply);
                assertTrue(reply.isError());
            }
            EchoCell.request(req, EchoCell.BOOM, 0);
            assertThrows(CellException.HandlerFailed.class, () -> c.call(req, 0, 16, reply));
            EchoCell.request(req, 99, 0);
            assertThrows(CellException.Rejected.class, () -> c.call(req, 0, 16, reply));
            EchoCell.request(req, EchoCell.BIG, 0); // in the schema, but no handler of the genome
            req.putInt(8, 16, ByteOrder.LITTLE_ENDIAN);
            c.call(req, 0, 16, reply);

            final CountersSnapshot after = snapshot(file);
            assertEquals(n, after.slotCalls(ECHO) - before.slotCalls(ECHO));
            assertEquals(n, after.slotCount(ECHO) - before.slotCount(ECHO));
            assertEquals(0, after.slotDeclaredErrors(ECHO));
            assertTrue(after.slotSumNs(ECHO) > 0);
            assertEquals(3, after.slotCalls(FAIL));
            assertEquals(3, after.slotCount(FAIL));
            assertEquals(3, after.slotDeclaredErrors(FAIL));
            assertEquals(1, after.slotCalls(BOOM));
            assertEquals(1, after.slotCount(BOOM), "a handler that threw still ran");
            assertEquals(1, after.slotFailures(BOOM, FailureCode.HANDLER_FAILED.value()));
            assertEquals(0, after.slotDeclaredErrors(BOOM));
            final int other = InstanceCounters.OTHER_SLOT;
            assertEquals(1, after.slotFailures(other, FailureCode.UNKNOWN_HANDLER.value()));
            assertEquals(1, after.slotCalls(other), "the BIG request: dispatched, but no handler slot");
            assertEquals(n + 3 + 1 + 1, after.calls(), "the instance-wide counter counts them all");
            assertEquals(3 + 1 + 1, after.errors());
            for (int slot = 3; slot < InstanceCounters.HANDLER_SLOTS; slot++)
            {
                assertTrue(!after.slotUsed(slot), "slot " + slot + " names no handler");
            }
            await(() -> snapshot(file).idleProfile() == InstanceCounters.IDLE_ECO, "the idle profile published");
            await(() -> snapshot(file).connections() == 1, "the open session published");
        }
    }

    @Test
    void withHandlerMetricsOffOnlyTheInstanceTotalsCount() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null,
                newDir("cell"), dev.cell.runtime.service.ServerOptions.defaults().withCellHome(home)
                    .withLog(new MemoryLog()).withHandlerMetrics(false));
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final Path file = server.runDir().resolve(InstanceFile.FILE_NAME);
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            for (int i = 0; i < 5; i++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
            }
            EchoCell.request(req, EchoCell.FAIL, 0);
            c.call(req, 0, 16, reply);
            EchoCell.request(req, EchoCell.BOOM, 0);
            assertThrows(CellException.HandlerFailed.class, () -> c.call(req, 0, 16, reply));
            final CountersSnapshot after = snapshot(file);
            assertEquals(7, after.calls());
            assertEquals(2, after.errors());
            for (final int slot : new int[]{BOOM, ECHO, FAIL, InstanceCounters.OTHER_SLOT})
            {
                assertEquals(0, after.slotCalls(slot) + after.slotCount(slot) + after.slotDeclaredErrors(slot) +
                    after.slotFailures(slot, FailureCode.HANDLER_FAILED.value()), "slot " + slot);
            }
        }
    }

    @Test
    void aLateRequestFailsInItsHandlersSlotAndAReplyThatWaitsForRingSpaceIsCounted() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.SPIN, new MemoryLog());
            RawClient raw = new RawClient(server.runDir()))
        {
            final Path file = server.runDir().resolve(InstanceFile.FILE_NAME);
            raw.hello(0);
            assertEquals(WelcomeDecoder.TEMPLATE_ID, raw.awaitTemplate());
            final ExpandableArrayBuffer b = new ExpandableArrayBuffer(128);
            final ExpandableArrayBuffer app = new ExpandableArrayBuffer(64);
            new RequestEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                .correlationId(1).sessionLow(1).sequence(1).deadlineEpochNs(Protocol.epochNanos() - 1_000_000);
            EchoCell.request(app, EchoCell.ECHO, 1);
            b.putBytes(Protocol.REQUEST_PREFIX_LENGTH, app, 0, 16);
            raw.send(b, Protocol.REQUEST_PREFIX_LENGTH + 16);
            final FailureDecoder failure = new FailureDecoder().wrapAndApplyHeader(
                new UnsafeBuffer(raw.awaitFrame()), 0, new MessageHeaderDecoder());
            assertEquals(FailureCode.DEADLINE_EXCEEDED, failure.code());
            CountersSnapshot s = snapshot(file);
            assertEquals(1, s.slotFailures(ECHO, FailureCode.DEADLINE_EXCEEDED.value()), "named by its template");
            assertEquals(0, s.slotCalls(ECHO), "never dispatched");
            assertEquals(0, s.backPressured());

            // Replies of ~7 KB into a 64 KB ring the client does not read: the ninth or tenth must wait.
            final int requests = 12;
            for (int i = 0; i < requests; i++)
            {
                new RequestEncoder().wrapAndApplyHeader(b, 0, new MessageHeaderEncoder())
                    .correlationId(10 + i).sessionLow(1).sequence(2 + i).deadlineEpochNs(0);
                EchoCell.request(app, EchoCell.BIG, 0);
                app.putInt(8, 7_000, ByteOrder.LITTLE_ENDIAN);
                b.putBytes(Protocol.REQUEST_PREFIX_LENGTH, app, 0, 16);
                raw.send(b, Protocol.REQUEST_PREFIX_LENGTH + 16);
            }
            await(() -> snapshot(file).backPressured() == 1, "a reply waiting for ring space");
            s = snapshot(file);
            assertTrue(s.calls() < requests, "the instance stopped reading that junction: " + s.calls());
            for (int i = 0; i < requests; i++)
            {
                raw.awaitFrame();
            }
            s = snapshot(file);
            assertEquals(requests, s.calls(), "every request answered in the end");
            assertTrue(s.backPressured() >= 1);
        }
    }

    @Test
    void asyncRepliesAreCountedOnceInTheirHandlersSlotWithTheTimeToCompletion() throws Exception
    {
        final Path home = newDir("home");
        final java.util.concurrent.ScheduledExecutorService later =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        final Dispatcher sync = EchoCell.dispatcher();
        final AsyncDispatcher async = new AsyncDispatcher()
        {
            @Override
            public int dispatch(final DirectBuffer buffer, final int offset, final int length,
                final MutableDirectBuffer out, final int outOffset)
            {
                return sync.dispatch(buffer, offset, length, out, outOffset);
            }

            @Override
            public boolean dispatchAsync(final DirectBuffer buffer, final int offset, final int length,
                final Envelope envelope, final Completion completion)
            {
                final int templateId = buffer.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
                final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(64);
                final int result = templateId == EchoCell.BOOM ? 0 : sync.dispatch(buffer, offset, length, reply, 0);
                later.schedule(() ->
                {
                    if (templateId == EchoCell.BOOM)
                    {
                        completion.fail(false, "boom, later");
                    }
                    else
                    {
                        completion.reply(reply, 0, Math.abs(result), result < 0);
                    }
                }, 3, java.util.concurrent.TimeUnit.MILLISECONDS);
                return true;
            }
        };
        try (CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), async, null, newDir("cell"),
                dev.cell.runtime.service.ServerOptions.defaults().withCellHome(home).withLog(new MemoryLog())
                    .withInstanceId("echo-async-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final Path file = server.runDir().resolve(InstanceFile.FILE_NAME);
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            final Reply reply = new Reply();
            final int n = 9;
            for (int i = 0; i < n; i++)
            {
                c.call(req, 0, EchoCell.request(req, EchoCell.ECHO, i), reply);
                assertEquals(i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
            EchoCell.request(req, EchoCell.FAIL, 0);
            c.call(req, 0, 16, reply);
            assertTrue(reply.isError());
            EchoCell.request(req, EchoCell.BOOM, 0);
            assertThrows(CellException.HandlerFailed.class, () -> c.call(req, 0, 16, reply));

            final CountersSnapshot s = snapshot(file);
            assertEquals(n, s.slotCalls(ECHO));
            assertEquals(n, s.slotCount(ECHO), "each completion counted once");
            assertTrue(s.slotSumNs(ECHO) >= n * 3_000_000L, "the time to completion: " + s.slotSumNs(ECHO));
            assertEquals(1, s.slotDeclaredErrors(FAIL));
            assertEquals(1, s.slotCount(FAIL));
            assertEquals(1, s.slotCalls(BOOM));
            assertEquals(1, s.slotCount(BOOM));
            assertEquals(1, s.slotFailures(BOOM, FailureCode.HANDLER_FAILED.value()));
        }
        finally
        {
            later.shutdownNow();
        }
    }

    @Test
    void theQueueDepthIsTheCallsAcceptedAndNotAnsweredYet() throws Exception
    {
        final Path home = newDir("home");
        final Dispatcher sync = EchoCell.dispatcher();
        final java.util.Queue<Runnable> held = new java.util.concurrent.ConcurrentLinkedQueue<>();
        final AsyncDispatcher async = new AsyncDispatcher()
        {
            @Override
            public int dispatch(final DirectBuffer buffer, final int offset, final int length,
                final MutableDirectBuffer out, final int outOffset)
            {
                return sync.dispatch(buffer, offset, length, out, outOffset);
            }

            @Override
            public boolean dispatchAsync(final DirectBuffer buffer, final int offset, final int length,
                final Envelope envelope, final Completion completion)
            {
                final ExpandableArrayBuffer reply = new ExpandableArrayBuffer(64);
                final int result = sync.dispatch(buffer, offset, length, reply, 0);
                held.add(() -> completion.reply(reply, 0, Math.abs(result), result < 0));
                return true;
            }
        };
        try (CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), async, null, newDir("cell"),
                dev.cell.runtime.service.ServerOptions.defaults().withCellHome(home).withLog(new MemoryLog())
                    .withInstanceId("echo-queue-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), client(home)))
        {
            final Path file = server.runDir().resolve(InstanceFile.FILE_NAME);
            final List<java.util.concurrent.CompletableFuture<Reply>> replies = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                replies.add(c.callAsync(req, 0, EchoCell.request(req, EchoCell.ECHO, i)));
            }
            awaitDepth(file, 3);
            assertEquals(3, snapshot(file).queueDepth());
            held.poll().run();
            awaitDepth(file, 2);
            Runnable r;
            while ((r = held.poll()) != null)
            {
                r.run();
            }
            for (final java.util.concurrent.CompletableFuture<Reply> f : replies)
            {
                f.get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            awaitDepth(file, 0);
        }
    }

    private static void awaitDepth(final Path file, final long depth)
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        long seen;
        while ((seen = InstanceFile.readQueueDepth(file)) != depth)
        {
            assertTrue(System.nanoTime() < deadline, "queue depth " + seen + ", expected " + depth + " within 10 s");
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }

    private static CountersSnapshot snapshot(final Path file)
    {
        final CountersSnapshot s = new CountersSnapshot();
        assertTrue(s.read(file), "read " + file);
        return s;
    }
}
