package dev.cell.registry;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 1,000 instances renewing twice a second on a 3-replica group in this JVM: renewals are answered by the leader's
 * memory, so the log grows by the leader's digest entries only (one per 400 leases a second), not by an entry per
 * renewal. Entries are counted in the leader's journal over each renewing period; round trips are printed. First
 * every renewal is its own call (2,000 calls a second, each a linearizable read the leader answers), then ten host
 * agents renew 100 instances each in one {@code renewAll} call per interval.
 */
class RegistryRenewalScaleTest
{
    private static final int INSTANCES = 1_000;
    private static final int AGENTS = 10;
    private static final long RENEW_EVERY_MS = 500;
    private static final long RUN_MS = 4_000;
    private static final int IN_FLIGHT = 16;
    private static final int PER_DIGEST = 400;

    private RegistryGroup group;
    private RegistryClient[] clients;
    private final Announcement[] announced = new Announcement[INSTANCES];
    private final long[] grants = new long[INSTANCES];
    private final AtomicLongArray dueNs = new AtomicLongArray(INSTANCES); // 0 until granted
    private final AtomicLong renewed = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong measureFromNs = new AtomicLong(Long.MAX_VALUE);
    private final long[] latencyNs = new long[200_000];
    private final AtomicInteger measured = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();

    @AfterEach
    void tearDown() throws Exception
    {
        if (group != null)
        {
            group.close();
        }
    }

    @Test
    void aThousandInstancesRenewingTwiceASecondWriteNoLogEntryPerRenewal() throws Exception
    {
        // Renewals twice a second; a TTL of ten of them, so a machine shared with other builds holds the grant burst.
        group = new RegistryGroup("scale", Duration.ofMillis(RENEW_EVERY_MS), 10);
        group.startAll();
        clients = new RegistryClient[RegistryGroup.REPLICAS];
        for (int i = 0; i < clients.length; i++)
        {
            clients[i] = group.reader(i);
        }
        final AtomicBoolean agents = new AtomicBoolean();
        final Thread renewer = Thread.ofPlatform().name("renewer").start(() -> renew(agents));
        try
        {
            final long grantMs = grantAll(Harness.identity(group.root, "load"));
            System.out.println("registry: 1000 announcements and grants took " + grantMs + " ms (" + IN_FLIGHT +
                " in flight), each instance renewing from its grant on");
            RegistryGroup.await("1000 instances listed on every replica", Duration.ofSeconds(60),
                () -> group.listed("load").stream().allMatch(ids -> ids.size() == INSTANCES));
            measure("each with its own calls");
            agents.set(true);
            LockSupport.parkNanos(RENEW_EVERY_MS * 1_000_000L); // every agent took over its instances
            measure("through " + AGENTS + " host agents (renewAll)");
        }
        finally
        {
            stop.set(true);
            renewer.join(10_000);
        }
        RegistryGroup.await("every renewal call answered", Duration.ofSeconds(30), () -> answered.get() == calls.get());
        assertEquals(0, failed.get(), "every renewal was taken");
        long leaderRenewals = 0;
        for (final RegistryNode node : group.nodes)
        {
            assertEquals(0, node.expired(), "no lease expired");
            leaderRenewals += node.renewals();
        }
        assertTrue(leaderRenewals >= renewed.get(), "leaders' memory took every renewal answered");
        assertTrue(group.listed("load").stream().allMatch(ids -> ids.size() == INSTANCES));
    }

    /**
     * Renew for {@link #RUN_MS}, then count what the log grew by.
     */
    private void measure(final String how)
    {
        final RegistryNode lead = group.nodes[group.leader()];
        final long renewedBefore = renewed.get();
        final long indexBefore = lead.replica().appliedIndex();
        measured.set(0);
        final long start = System.nanoTime();
        measureFromNs.set(start);
        LockSupport.parkNanos(RUN_MS * 1_000_000L);
        measureFromNs.set(Long.MAX_VALUE);
        final long runMs = (System.nanoTime() - start) / 1_000_000L;
        final long taken = renewed.get() - renewedBefore;
        final long[] commands = lead.registry().commandsAfter(indexBefore);
        final long growth = lead.replica().appliedIndex() - indexBefore;
        final int n = Math.min(measured.get(), latencyNs.length);
        final long[] sorted = Arrays.copyOf(latencyNs, n);
        Arrays.sort(sorted);
        System.out.printf("registry: %d instances renewing every %d ms %s for %d ms: %d renewals (%d/s), call " +
                "round trip p50 %.2f ms p99 %.2f ms; %d command entries meanwhile, %d of them the leader's digests " +
                "(one per %d leases a second; the Raft log grew by %d with Ratis' own commit metadata), %d " +
                "renewals per entry%n", INSTANCES, RENEW_EVERY_MS, how, runMs, taken, taken * 1000 / runMs,
            sorted[n / 2] / 1e6, sorted[(int)(n * 0.99)] / 1e6, commands[0], commands[1], PER_DIGEST, growth,
            taken / Math.max(1, commands[0]));
        assertTrue(taken >= INSTANCES * (RUN_MS / RENEW_EVERY_MS - 1), "renewed " + taken + " " + how);
        assertEquals(commands[0], commands[1], "every command entry meanwhile is a digest");
        final long digestsPerSecond = (INSTANCES + PER_DIGEST - 1) / PER_DIGEST;
        assertTrue(commands[0] <= (runMs / 1000 + 2) * digestsPerSecond, commands[0] + " log entries for " +
            taken + " renewals " + how);
    }

    /**
     * Announce and grant every instance, a few at a time; each is renewed from its grant on.
     */
    private long grantAll(final Identity key) throws InterruptedException
    {
        final Semaphore window = new Semaphore(IN_FLIGHT);
        final AtomicInteger grantFailures = new AtomicInteger();
        final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        final long grantStart = System.nanoTime();
        for (int i = 0; i < INSTANCES; i++)
        {
            final int n = i;
            announced[n] = Harness.announcement(key, key.publicId(), "load", String.format("load-%04d", n),
                System.currentTimeMillis(), List.of());
            final RegistryClient c = clients[n % clients.length];
            window.acquire();
            c.announceAsync(announced[n])
                .thenCompose(t -> c.grantAsync(RegistryLease.withTicket(announced[n], t)))
                .whenComplete((lease, error) ->
                {
                    if (error == null)
                    {
                        grants[n] = lease.grantIndex();
                        dueNs.set(n, System.nanoTime() + RENEW_EVERY_MS * 1_000_000L);
                    }
                    else if (grantFailures.getAndIncrement() == 0)
                    {
                        firstFailure.set(error);
                    }
                    window.release();
                });
        }
        window.acquire(IN_FLIGHT);
        window.release(IN_FLIGHT);
        assertEquals(0, grantFailures.get(), "every grant committed; the first failure: " + firstFailure.get());
        return (System.nanoTime() - grantStart) / 1_000_000L;
    }

    private Renewal renewal(final int n)
    {
        final Announcement a = announced[n];
        return new Renewal(a.cell(), a.instanceId(), grants[n], a.nonce(), 100, 900, 0, 50);
    }

    /**
     * Every instance sends its own renewals until {@code agents} is set, then each agent renews its instances.
     */
    private void renew(final AtomicBoolean agents)
    {
        final long intervalNs = RENEW_EVERY_MS * 1_000_000L;
        while (!stop.get() && !agents.get())
        {
            final long now = System.nanoTime();
            for (int n = 0; n < INSTANCES; n++)
            {
                final long due = dueNs.get(n);
                if (due != 0 && now - due >= 0)
                {
                    dueNs.set(n, due + intervalNs);
                    track(clients[n % clients.length].renewAsync(renewal(n)), 1);
                }
            }
            LockSupport.parkNanos(5_000_000L);
        }
        final long[] agentDue = new long[AGENTS];
        final long first = System.nanoTime();
        for (int a = 0; a < AGENTS; a++)
        {
            agentDue[a] = first + a * intervalNs / AGENTS;
        }
        while (!stop.get())
        {
            final long now = System.nanoTime();
            for (int a = 0; a < AGENTS; a++)
            {
                if (now - agentDue[a] < 0)
                {
                    continue;
                }
                agentDue[a] += intervalNs;
                final List<Renewal> batch = new ArrayList<>();
                for (int n = a; n < INSTANCES; n += AGENTS)
                {
                    if (dueNs.get(n) != 0)
                    {
                        batch.add(renewal(n));
                    }
                }
                if (!batch.isEmpty())
                {
                    final int size = batch.size();
                    track(clients[a % clients.length].renewAllAsync(new Renewals(batch)).thenApply(r ->
                    {
                        if (!r.unknown().isEmpty())
                        {
                            throw new IllegalStateException(r.unknown().size() + " leases unknown");
                        }
                        return r;
                    }), size);
                }
            }
            LockSupport.parkNanos(5_000_000L);
        }
    }

    private void track(final CompletableFuture<?> call, final int leases)
    {
        final long t0 = System.nanoTime();
        calls.incrementAndGet();
        call.whenComplete((r, error) ->
        {
            if (error != null)
            {
                failed.addAndGet(leases);
            }
            else
            {
                renewed.addAndGet(leases);
                if (t0 - measureFromNs.get() >= 0)
                {
                    final int slot = measured.getAndIncrement();
                    if (slot < latencyNs.length)
                    {
                        latencyNs[slot] = System.nanoTime() - t0;
                    }
                }
            }
            answered.incrementAndGet();
        });
    }
}
