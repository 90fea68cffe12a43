package dev.cell.runtime.client;

import dev.cell.runtime.CellException;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.log.ProcessLog;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A connection to every live instance of a cell at once, which sends each call to the one that answers fastest now
 * ({@link RaceOptions}): the instances on this host over junctions, remote ones over axons, kept current by a daemon
 * thread ({@link RaceMembers}).
 * <p>
 * Each call goes to the instance {@link RaceChoice} picks: one never heard from first; a call safe to repeat now and
 * then to an instance whose estimate has aged (so a slow instance is measured again); otherwise the current instance,
 * until its score (peak-sensitive latency × (calls in flight + 1), {@link RaceMember}) exceeds the better of two
 * others drawn at random by a margin. Failures count against an instance and a few in a row eject it for a while.
 * <p>
 * A call that could not be sent (back-pressure, a connection found closed) goes to the next instance. One that failed
 * after it was sent (the instance crashed, became unreachable or refused it) is repeated on another instance only
 * when its handler is idempotent in the instance's genome ({@code @Idempotent}, {@code @Query}); otherwise the failure
 * is the caller's.
 * With hedging, a slow idempotent call is also sent to a second instance and the first answer wins; a budget of one
 * hedge per 20 calls bounds the extra calls, and part of it is kept for calls whose instance stopped answering
 * ({@link HedgeBudget}). Hedged and async calls allocate (futures, a copy of the request); a blocking call that
 * is not hedged allocates nothing.
 * <p>
 * Each attempt has the client's call timeout. All instances share the client's session, so a stateful cell's replicas
 * apply a repeated command once.
 */
final class RacingConnection implements CellConnection
{
    private static final long WAIT_FOR_MEMBER_NS = 1_000_000L;

    private final String cell;
    private final ClientContext ctx;
    private final RaceOptions race;
    private final ClientSession session;
    private final NanoClock clock;
    private final RaceMembers members;
    private final long remoteFingerprint;
    private final IntHashSet idempotent = new IntHashSet();
    private final RaceChoice choice = new RaceChoice();
    private final RaceReport report;
    private volatile RaceMember last;
    private volatile boolean closed;
    private final HedgeBudget hedgeBudget = new HedgeBudget();

    private RacingConnection(
        final String cell, final ClientContext ctx, final RaceOptions race, final RaceMembers members)
    {
        this.cell = cell;
        this.ctx = ctx;
        this.race = race;
        this.session = ctx.options().session();
        this.clock = ctx.nanoClock();
        this.members = members;
        this.report = new RaceReport(cell, ctx.options().clientName(), ctx.cellHome(), ProcessLog.get());
        final LocalSpawn spawn = LocalSpawn.fromProperties(cell, ProcessLog.get());
        if (spawn != null)
        {
            spawn.onSpawned(members::refreshNow);
        }
        members.afterRefresh(() ->
        {
            final RaceMember[] now = members.snapshot();
            final long nowNs = clock.nanoTime();
            report.look(now, choice.current(), nowNs);
            if (spawn != null)
            {
                spawn.look(now, nowNs);
            }
        });
        final RaceMember first = members.snapshot()[0];
        this.last = first;
        this.remoteFingerprint = first.connection.remoteFingerprint();
        for (final Genome.Handler h : first.connection.genome().handlers())
        {
            if (h.idempotent())
            {
                idempotent.add(h.requestTemplateId());
            }
        }
    }

    /**
     * Connect to the live instances of {@code cell}: returns once one has accepted, the others join in the background.
     *
     * @param cell        the cell's served name.
     * @param fingerprint the fingerprint the caller was built against, 0 for any.
     * @param handlers    handler name → handler fingerprint the caller was built against; empty: whole fingerprint.
     * @param options     the client's options.
     * @param race        how to race.
     * @return the connection.
     */
    static CellConnection open(
        final String cell,
        final long fingerprint,
        final Map<String, String> handlers,
        final ClientOptions options,
        final RaceOptions race)
    {
        final ClientSession session = options.session() != null ? options.session() : ClientSession.create();
        final ClientContext ctx = ClientContext.of(options.withSession(session));
        final RaceMembers members = new RaceMembers(cell, fingerprint, handlers, ctx, race.refresh(),
            race.hedgePercentile());
        boolean ok = false;
        try
        {
            members.awaitFirst();
            final RacingConnection connection = new RacingConnection(cell, ctx, race, members);
            members.start();
            ok = true;
            return connection;
        }
        finally
        {
            if (!ok)
            {
                members.close();
            }
        }
    }

    @Override
    public String cell()
    {
        return cell;
    }

    /** @return the instance the latest call went to. */
    @Override
    public String instanceId()
    {
        return last.connection.instanceId();
    }

    @Override
    public long remoteFingerprint()
    {
        return remoteFingerprint;
    }

    @Override
    public Genome genome()
    {
        return pickAny().connection.genome();
    }

    @Override
    public ClientSession session()
    {
        return session;
    }

    @Override
    public boolean isOpen()
    {
        return !closed;
    }

    /** @return the members now (status and tests). */
    RaceMember[] members()
    {
        return members.snapshot();
    }

    @Override
    public void call(final DirectBuffer request, final int offset, final int length, final Reply into)
    {
        checkOpen();
        final boolean repeatable = idempotent.contains(templateId(request, offset));
        addHedgeBudget();
        final long deadlineNs = clock.nanoTime() + ctx.callTimeoutNs();
        RaceMember[] ms = members.snapshot();
        long tried = 0;
        CellException failure = null;
        while (true)
        {
            final RaceMember m = choice.choose(ms, tried, clock.nanoTime(), repeatable);
            if (m == null)
            {
                if (failure != null)
                {
                    throw failure;
                }
                ms = awaitMembers(deadlineNs);
                tried = 0;
                continue;
            }
            tried |= bit(ms, m);
            if (race.hedge() && repeatable && ms.length > 1)
            {
                if (hedged(ms, tried, m, request, offset, length, into, deadlineNs))
                {
                    return;
                }
                report.failedOver();
                continue;
            }
            final long startNs = clock.nanoTime();
            m.begin(startNs);
            try
            {
                m.connection.call(request, offset, length, into);
                final long endNs = clock.nanoTime();
                m.observe(endNs - startNs, endNs);
                last = m;
                return;
            }
            catch (final CellException ex)
            {
                lost(m, ex);
                if (!(ex instanceof CellException.BackPressure) && !(repeatable && repeatsElsewhere(ex)))
                {
                    throw ex;
                }
                failure = ex;
                report.failedOver();
            }
            finally
            {
                m.end(clock.nanoTime());
            }
        }
    }

    /**
     * Send to {@code m}; when no answer came after the hedge delay, to a second instance too.
     *
     * @return true when {@code into} holds the answer; false when {@code m} failed and the caller should go on.
     */
    private boolean hedged(
        final RaceMember[] ms, final long tried, final RaceMember m,
        final DirectBuffer request, final int offset, final int length, final Reply into, final long deadlineNs)
    {
        final long startNs = clock.nanoTime();
        final CompletableFuture<Reply> first = send(m, request, offset, length);
        final long delayNs = race.hedgeAfter() != null ? race.hedgeAfter().toNanos() : m.hedgeDelayNs();
        try
        {
            copy(await(first, startNs + delayNs), into);
            last = m;
            return true;
        }
        catch (final TimeoutException ex)
        {
            // no answer yet: hedge below
        }
        catch (final CellException ex)
        {
            return failOver(ex);
        }
        final RaceMember second = choice.choose(ms, tried, clock.nanoTime(), false);
        if (second == null)
        {
            return awaitOnly(first, m, into, deadlineNs);
        }
        if (!spendHedge(false))
        {
            try
            {
                copy(await(first, startNs + HedgeBudget.RESCUE_FACTOR * delayNs), into);
                last = m;
                return true;
            }
            catch (final TimeoutException ex)
            {
                if (!spendHedge(true))
                {
                    return awaitOnly(first, m, into, deadlineNs);
                }
            }
            catch (final CellException ex)
            {
                return failOver(ex);
            }
        }
        final CompletableFuture<Reply> other = send(second, request, offset, length);
        final CompletableFuture<RaceMember> winner = new CompletableFuture<>();
        final CompletableFuture<Reply> answer = HedgeBudget.firstAnswer(first, m, other, second, winner);
        try
        {
            copy(await(answer, deadlineNs), into);
        }
        catch (final TimeoutException ex)
        {
            throw new CellException.DeadlineExceeded(cell, "no instance of cell '" + cell + "' answered within " +
                ctx.options().callTimeout().toMillis() + " ms (hedged: " + m + ", " + second + ")");
        }
        catch (final CellException ex)
        {
            return failOver(ex);
        }
        last = winner.getNow(m);
        return true;
    }

    private boolean awaitOnly(
        final CompletableFuture<Reply> first, final RaceMember m, final Reply into, final long deadlineNs)
    {
        try
        {
            copy(await(first, deadlineNs), into);
            last = m;
            return true;
        }
        catch (final TimeoutException ex)
        {
            throw new CellException.DeadlineExceeded(cell, "instance " + m + " of cell '" + cell +
                "' did not answer within " + ctx.options().callTimeout().toMillis() + " ms");
        }
        catch (final CellException ex)
        {
            return failOver(ex);
        }
    }

    private static void copy(final Reply from, final Reply into)
    {
        into.set(from.buffer(), 0, from.length(), from.isError());
    }

    private Reply await(final CompletableFuture<Reply> future, final long untilNs) throws TimeoutException
    {
        try
        {
            return future.get(Math.max(0, untilNs - clock.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof CellException c ? c :
                new CellException.Unavailable(cell, "call failed: " + ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CellException.Unavailable(cell, "interrupted while waiting for cell '" + cell + "'");
        }
    }

    /** Send one attempt asynchronously, keeping the member's counts and latency. */
    private CompletableFuture<Reply> send(
        final RaceMember m, final DirectBuffer request, final int offset, final int length)
    {
        final long startNs = clock.nanoTime();
        m.begin(startNs);
        final CompletableFuture<Reply> f = m.connection.callAsync(request, offset, length);
        f.whenComplete((r, ex) ->
        {
            final long endNs = clock.nanoTime();
            m.end(endNs);
            if (ex == null)
            {
                m.observe(endNs - startNs, endNs);
            }
            else
            {
                lost(m, ex);
            }
        });
        return f;
    }

    @Override
    public CompletableFuture<Reply> callAsync(final DirectBuffer request, final int offset, final int length)
    {
        if (closed)
        {
            return CompletableFuture.failedFuture(closedException());
        }
        final boolean repeatable = idempotent.contains(templateId(request, offset));
        addHedgeBudget();
        final RaceMember[] ms = members.snapshot();
        final RaceMember m = choice.choose(ms, 0, clock.nanoTime(), repeatable);
        if (m == null)
        {
            return CompletableFuture.failedFuture(noInstance());
        }
        last = m;
        if (!repeatable || ms.length == 1)
        {
            return send(m, request, offset, length);
        }
        final byte[] copy = new byte[length];
        request.getBytes(offset, copy);
        final UnsafeBuffer again = new UnsafeBuffer(copy);
        final CompletableFuture<Reply> result = new CompletableFuture<>();
        attemptAsync(result, ms, bit(ms, m), m, again);
        if (race.hedge())
        {
            final long delayNs = race.hedgeAfter() != null ? race.hedgeAfter().toNanos() : m.hedgeDelayNs();
            CompletableFuture.delayedExecutor(delayNs, TimeUnit.NANOSECONDS)
                .execute(() -> hedgeAsync(result, ms, m, again, delayNs, false));
        }
        return result;
    }

    /**
     * The hedge of an async call still unanswered after its delay: from the budget, else from its reserve once
     * {@link HedgeBudget#RESCUE_FACTOR} delays have passed.
     */
    private void hedgeAsync(
        final CompletableFuture<Reply> result, final RaceMember[] ms, final RaceMember m, final UnsafeBuffer request,
        final long delayNs, final boolean rescue)
    {
        final RaceMember second = result.isDone() ? null : choice.choose(ms, bit(ms, m), clock.nanoTime(), false);
        if (second == null)
        {
            return;
        }
        if (!spendHedge(rescue))
        {
            if (!rescue)
            {
                CompletableFuture.delayedExecutor((HedgeBudget.RESCUE_FACTOR - 1) * delayNs, TimeUnit.NANOSECONDS)
                    .execute(() -> hedgeAsync(result, ms, m, request, delayNs, true));
            }
            return;
        }
        send(second, request, 0, request.capacity()).whenComplete((r, ex) ->
        {
            if (ex == null)
            {
                result.complete(r);
            }
        });
    }

    private void attemptAsync(
        final CompletableFuture<Reply> result, final RaceMember[] ms, final long tried, final RaceMember m,
        final UnsafeBuffer request)
    {
        send(m, request, 0, request.capacity()).whenComplete((r, ex) ->
        {
            if (ex == null)
            {
                result.complete(r);
                return;
            }
            final RaceMember next = repeatsElsewhere(ex) ?
                choice.choose(ms, tried, clock.nanoTime(), false) : null;
            if (next == null)
            {
                result.completeExceptionally(ex);
            }
            else
            {
                report.failedOver();
                attemptAsync(result, ms, tried | bit(ms, next), next, request);
            }
        });
    }

    /**
     * A call to {@code m} failed: it counts against the instance, the next call chooses afresh, and an instance
     * found gone is dropped until the list brings it back.
     */
    private void lost(final RaceMember m, final Throwable ex)
    {
        m.failed(clock.nanoTime());
        choice.failed(m);
        if (ex instanceof CellException.Unavailable || ex instanceof CellException.RemoteCrash)
        {
            members.drop(m);
        }
    }

    /**
     * @return false (go on to the next instance) for a failure that may be repeated elsewhere.
     * @throws CellException the failure, when it may not.
     */
    private static boolean failOver(final CellException ex)
    {
        if (!repeatsElsewhere(ex))
        {
            throw ex;
        }
        return false;
    }

    /**
     * @return whether a call that failed so on one instance may be sent to another when its handler is safe to
     * repeat: nothing was sent, the instance is gone, or it refused the request or sent what the client refused.
     */
    private static boolean repeatsElsewhere(final Throwable ex)
    {
        return ex instanceof CellException.BackPressure || ex instanceof CellException.Unavailable ||
            ex instanceof CellException.RemoteCrash || ex instanceof CellException.Rejected;
    }

    private static long bit(final RaceMember[] ms, final RaceMember m)
    {
        for (int i = 0; i < ms.length && i < 64; i++)
        {
            if (ms[i] == m)
            {
                return 1L << i;
            }
        }
        return 0;
    }

    private RaceMember[] awaitMembers(final long deadlineNs)
    {
        while (true)
        {
            checkOpen();
            final RaceMember[] ms = members.snapshot();
            for (final RaceMember m : ms)
            {
                if (m.connection.isOpen())
                {
                    return ms;
                }
            }
            if (clock.nanoTime() - deadlineNs >= 0)
            {
                throw noInstance();
            }
            LockSupport.parkNanos(WAIT_FOR_MEMBER_NS);
        }
    }

    private RaceMember pickAny()
    {
        checkOpen();
        final RaceMember m = choice.choose(members.snapshot(), 0, clock.nanoTime(), false);
        if (m == null)
        {
            throw noInstance();
        }
        return m;
    }

    private void addHedgeBudget()
    {
        if (race.hedge())
        {
            hedgeBudget.earn();
        }
    }

    private boolean spendHedge(final boolean rescue)
    {
        if (!hedgeBudget.spend(rescue))
        {
            return false;
        }
        report.hedged();
        return true;
    }

    private static int templateId(final DirectBuffer request, final int offset)
    {
        return request.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    private CellException noInstance()
    {
        return new CellException.Unavailable(cell, "no live instance of cell '" + cell + "' is connected (" +
            members.lastProblem() + ")");
    }

    private CellException closedException()
    {
        return new CellException.Unavailable(cell, "the connection to cell '" + cell + "' was closed");
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw closedException();
        }
    }

    @Override
    public void close()
    {
        closed = true;
        members.close();
        report.close();
    }
}
