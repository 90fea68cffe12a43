package dev.cell.registry;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * An instance's lease in the registry, kept from the instance's side: announce (ticket, then grant), renew every
 * {@code renewEveryMs} the registry names, announce again when the registry no longer knows the lease, revoke on a
 * clean stop. Calls go to one registry replica at a time; when it fails or does not answer, the next one in the list
 * is tried (any replica forwards to the leader, so the list only matters when a replica is gone).
 * <pre>{@code
 * try (RegistryLease lease = new RegistryLease(identity, spec, List.of(ClientOptions.defaults())))
 * {
 *     lease.announce();
 *     lease.startRenewing(() -> RegistryLease.Load.NONE);
 *     ... serve ...
 * } // revoked here
 * }</pre>
 *
 * @since 0.2
 */
public final class RegistryLease implements AutoCloseable
{
    private static final long RETRY_FOR_MS = 10_000;
    private static final long RETRY_PAUSE_NS = 50_000_000L;
    private static final long MIN_RENEW_WAIT_MS = 100;
    private static final long AVOID_FAILED_NS = 3_000_000_000L;

    /**
     * What the instance announces.
     *
     * @param cell        the cell's name.
     * @param version     its contract version.
     * @param fingerprint its genome fingerprint.
     * @param instanceId  the instance's id.
     * @param host        its host.
     * @param region      a region label (may be empty).
     * @param junction    its run folder on its host (empty: none).
     * @param axon        its axon endpoint {@code host:port} (empty: none).
     * @param owners      the cell's {@code [auth] owners} (empty: the instance's own key owns a new name).
     */
    public record Spec(
        String cell, String version, String fingerprint, String instanceId, String host, String region,
        String junction, String axon, List<String> owners)
    {
        /**
         * Canonical constructor: copies the owners.
         */
        public Spec
        {
            owners = List.copyOf(owners);
        }
    }

    /**
     * The load an instance reports with each renewal.
     *
     * @param p50Us          median service time, microseconds.
     * @param p99Us          99th percentile, microseconds.
     * @param queueDepth     requests waiting.
     * @param callsPerSecond calls served per second.
     */
    public record Load(int p50Us, int p99Us, int queueDepth, int callsPerSecond)
    {
        /**
         * Nothing measured.
         */
        public static final Load NONE = new Load(0, 0, 0, 0);
    }

    private final Identity identity;
    private final Spec spec;
    private final List<ClientOptions> replicas;
    private final RegistryClient[] clients;
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger announcements = new AtomicInteger();
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong lastRenewedNs = new AtomicLong();
    private final long[] failedAtNs;
    private int current;
    private volatile Lease lease;
    private volatile long renewEveryMs = 250;
    private byte[] nonce;
    private volatile Thread renewer;

    /**
     * @param identity the instance's identity (its cell's key: the one its axon proves).
     * @param spec     what it announces.
     * @param replicas how to reach registry replicas (cell homes or endpoints), tried in order.
     */
    public RegistryLease(final Identity identity, final Spec spec, final List<ClientOptions> replicas)
    {
        if (replicas.isEmpty())
        {
            throw new IllegalArgumentException("a registry lease needs at least one way to reach a registry replica");
        }
        this.identity = identity;
        this.spec = spec;
        this.replicas = List.copyOf(replicas);
        this.clients = new RegistryClient[replicas.size()];
        this.failedAtNs = new long[replicas.size()];
    }

    /**
     * Announce the instance and take a lease (a new nonce each time; a lease held before is replaced).
     *
     * @return the lease.
     * @throws NotOwner when the instance's key does not own the cell name.
     * @throws Refused  when the registry refused the announcement.
     * @throws CellException.Unavailable when no replica answered for 10 s.
     */
    public synchronized Lease announce() throws NotOwner, Refused
    {
        final long deadline = System.nanoTime() + RETRY_FOR_MS * 1_000_000L;
        while (true)
        {
            final byte[] fresh = new byte[Checks.MIN_NONCE];
            random.nextBytes(fresh);
            final Announcement a = signed(fresh, System.currentTimeMillis());
            try
            {
                final RegistryClient c = client();
                final Ticket t = c.announce(a);
                final Lease granted = c.grant(withTicket(a, t));
                nonce = fresh;
                renewEveryMs = t.renewEveryMs();
                lease = granted;
                lastRenewedNs.set(System.nanoTime());
                announcements.incrementAndGet();
                return granted;
            }
            catch (final NotLeader | CellException ex)
            {
                next(ex, deadline);
            }
        }
    }

    /**
     * Renew once; announce again when the registry no longer knows the lease.
     *
     * @param load what to report.
     * @return true when the lease was renewed, false when it had to be announced anew.
     * @throws NotOwner when a new announcement is refused for ownership.
     * @throws Refused  when a new announcement is refused.
     * @throws CellException.Unavailable when no replica answered for 10 s.
     */
    public synchronized boolean renew(final Load load) throws NotOwner, Refused
    {
        if (lease == null)
        {
            announce();
            return false;
        }
        final long deadline = System.nanoTime() + RETRY_FOR_MS * 1_000_000L;
        final Renewal renewal = new Renewal(spec.cell(), spec.instanceId(), lease.grantIndex(), nonce, load.p50Us(),
            load.p99Us(), load.queueDepth(), load.callsPerSecond());
        while (true)
        {
            // Waited for one renewal interval at most: a replica that still addresses a leader that is gone holds
            // the call until its own timeout, while the next replica may already know the new leader.
            final CompletableFuture<Renewed> sent;
            try
            {
                sent = client().renewAsync(renewal);
            }
            catch (final CellException ex)
            {
                next(ex, deadline);
                continue;
            }
            try
            {
                final Renewed r = sent.get(Math.max(MIN_RENEW_WAIT_MS, renewEveryMs), TimeUnit.MILLISECONDS);
                renewEveryMs = r.renewEveryMs();
                renewals.incrementAndGet();
                lastRenewedNs.set(System.nanoTime());
                return true;
            }
            catch (final TimeoutException ex)
            {
                sent.cancel(false);
                failedAtNs[current] = System.nanoTime();
                advance();
                checkDeadline(ex, deadline);
            }
            catch (final ExecutionException ex)
            {
                final Throwable cause = ex.getCause();
                if (cause instanceof UnknownLease)
                {
                    announce();
                    return false;
                }
                if (!(cause instanceof NotLeader) && !(cause instanceof CellException))
                {
                    throw new IllegalStateException("renewal failed: " + cause, cause);
                }
                next((Exception)cause, deadline);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new CellException.Unavailable("registry", "interrupted while renewing");
            }
        }
    }

    /**
     * Renew on a virtual thread every {@code renewEveryMs} until {@link #stopRenewing()} or {@link #close()}.
     *
     * @param load what to report with each renewal.
     */
    public synchronized void startRenewing(final Supplier<Load> load)
    {
        if (renewer != null)
        {
            return;
        }
        final Thread t = Thread.ofVirtual().name("registry-lease-" + spec.instanceId()).unstarted(() ->
        {
            while (renewer == Thread.currentThread())
            {
                final long next = System.nanoTime() + renewEveryMs * 1_000_000L;
                try
                {
                    renew(load.get());
                }
                catch (final NotOwner | Refused | RuntimeException ex)
                {
                    // The next round tries again; lastRenewedNanos() shows how long it has been.
                }
                LockSupport.parkNanos(next - System.nanoTime());
            }
        });
        renewer = t;
        t.start();
    }

    /**
     * Stop renewing without revoking: the lease expires as a crashed instance's would.
     */
    public void stopRenewing()
    {
        final Thread t = renewer;
        renewer = null;
        if (t != null)
        {
            LockSupport.unpark(t);
            try
            {
                t.join(RETRY_FOR_MS + 5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * End the lease at once (a clean stop).
     *
     * @return true when the registry removed it, false when it did not know it.
     * @throws Refused when the registry refused the revocation.
     * @throws CellException.Unavailable when no replica answered for 10 s.
     */
    public synchronized boolean revoke() throws Refused
    {
        final Lease held = lease;
        if (held == null)
        {
            return false;
        }
        final long deadline = System.nanoTime() + RETRY_FOR_MS * 1_000_000L;
        final Revocation unsigned = new Revocation(spec.cell(), spec.instanceId(), held.grantIndex(),
            System.currentTimeMillis(), new byte[0]);
        final Revocation r = new Revocation(unsigned.cell(), unsigned.instanceId(), unsigned.grantIndex(),
            unsigned.issuedMs(), identity.sign(RegistrySignatures.revocation(unsigned)));
        while (true)
        {
            try
            {
                final boolean removed = client().revoke(r).removed();
                lease = null;
                return removed;
            }
            catch (final UnknownLease ex)
            {
                lease = null;
                return false;
            }
            catch (final CellException ex)
            {
                next(ex, deadline);
            }
        }
    }

    /**
     * @return the lease held, or null.
     */
    public Lease lease()
    {
        return lease;
    }

    /**
     * @return how many times the instance announced itself (a lease the registry lost means one more).
     */
    public int announcements()
    {
        return announcements.get();
    }

    /**
     * @return renewals the registry took.
     */
    public long renewals()
    {
        return renewals.get();
    }

    /**
     * @return {@link System#nanoTime()} of the last renewal (or grant) the registry took.
     */
    public long lastRenewedNanos()
    {
        return lastRenewedNs.get();
    }

    /**
     * Stop renewing, revoke the lease (best effort: a registry that cannot be reached expires it) and close the
     * connections.
     */
    @Override
    public void close()
    {
        stopRenewing();
        try
        {
            revoke();
        }
        catch (final Refused | RuntimeException ex)
        {
            // It expires after its TTL instead.
        }
        synchronized (this)
        {
            for (int i = 0; i < clients.length; i++)
            {
                closeClient(i);
            }
        }
    }

    private Announcement signed(final byte[] fresh, final long issuedMs)
    {
        final List<Owner> owners = new ArrayList<>();
        spec.owners().forEach(k -> owners.add(new Owner(k)));
        final Announcement unsigned = new Announcement(spec.cell(), spec.version(), spec.fingerprint(),
            spec.instanceId(), spec.host(), spec.region(), spec.junction(), spec.axon(), identity.publicId(), owners,
            fresh, issuedMs, new byte[0], 0, new byte[0]);
        return new Announcement(unsigned.cell(), unsigned.version(), unsigned.fingerprint(), unsigned.instanceId(),
            unsigned.host(), unsigned.region(), unsigned.junction(), unsigned.axon(), unsigned.identity(), owners,
            fresh, issuedMs, identity.sign(RegistrySignatures.announcement(unsigned)), 0, new byte[0]);
    }

    static Announcement withTicket(final Announcement a, final Ticket t)
    {
        return new Announcement(a.cell(), a.version(), a.fingerprint(), a.instanceId(), a.host(), a.region(),
            a.junction(), a.axon(), a.identity(), a.owners(), a.nonce(), a.issuedMs(), a.signature(), t.admittedMs(),
            t.ticket());
    }

    private RegistryClient client()
    {
        if (clients[current] == null)
        {
            // A replica that is gone leaves no instance in its cell home, and a connect waits its whole timeout for
            // one: keep that wait within a renewal interval.
            final ClientOptions options = replicas.get(current);
            final long waitMs = Math.min(options.connectTimeout().toMillis(),
                Math.max(MIN_RENEW_WAIT_MS, 2 * renewEveryMs));
            clients[current] = RegistryClient.connect(options.withConnectTimeout(Duration.ofMillis(waitMs)));
        }
        return clients[current];
    }

    /**
     * The replica in use failed or does not lead at the moment: close it, move to the next, pause briefly.
     */
    private void next(final Exception cause, final long deadline)
    {
        if (!(cause instanceof NotLeader))
        {
            closeClient(current);
            failedAtNs[current] = System.nanoTime();
            advance();
        }
        checkDeadline(cause, deadline);
        LockSupport.parkNanos(RETRY_PAUSE_NS);
    }

    /**
     * Move to the next replica, passing over those that failed within the last few seconds while another has not.
     */
    private void advance()
    {
        final long now = System.nanoTime();
        for (int step = 1; step <= clients.length; step++)
        {
            final int candidate = (current + step) % clients.length;
            if (failedAtNs[candidate] == 0 || now - failedAtNs[candidate] > AVOID_FAILED_NS)
            {
                current = candidate;
                return;
            }
        }
        current = (current + 1) % clients.length;
    }

    private static void checkDeadline(final Exception cause, final long deadline)
    {
        if (System.nanoTime() - deadline > 0)
        {
            throw new CellException.Unavailable("registry", "no registry replica answered for " + RETRY_FOR_MS +
                " ms; last: " + cause);
        }
    }

    private void closeClient(final int i)
    {
        if (clients[i] != null)
        {
            try
            {
                clients[i].close();
            }
            catch (final RuntimeException ignore)
            {
                // Already broken.
            }
            clients[i] = null;
        }
    }
}
