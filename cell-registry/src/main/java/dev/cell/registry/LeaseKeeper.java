package dev.cell.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The leader's memory of renewals, as etcd keeps its lessor's: a renewal updates this map and writes nothing to the
 * log. {@link #tick} (the node's keeper thread) compares it with the leases in the state: one not renewed for
 * {@code renewEvery × misses} goes into the next expiry entry, and every {@code digestEvery} the loads go into a
 * digest entry. A replica that becomes leader forgets what it knew and gives every lease a full TTL from that
 * moment, so a leader change never expires a live instance early (it may keep a dead one up to one TTL longer).
 * <p>
 * Thread safety: {@link #renewed} runs on query threads, {@link #tick} and the completion calls on the keeper's.
 */
final class LeaseKeeper
{
    /**
     * What the keeper thread is to submit.
     *
     * @param expire leases to expire (empty: none).
     * @param loads  the digest's loads, or null when no digest is due.
     * @param leader whether this replica leads.
     */
    record Plan(List<ExpiredLease> expire, List<LoadReport> loads, boolean leader)
    {
    }

    private record Seen(long grantIndex, long lastMs, boolean renewed, int p50Us, int p99Us, int queueDepth,
        int callsPerSecond)
    {
    }

    private final RegistryConfig config;
    private final BooleanSupplier leadership;
    private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> expiring = new ConcurrentHashMap<>();
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicInteger digestsInFlight = new AtomicInteger();
    private boolean wasLeader;
    private long lastDigestMs;

    /**
     * @param config     durations and clock.
     * @param leadership whether this replica leads its group now.
     */
    LeaseKeeper(final RegistryConfig config, final BooleanSupplier leadership)
    {
        this.config = config;
        this.leadership = leadership;
    }

    boolean isLeader()
    {
        return leadership.getAsBoolean();
    }

    RegistryConfig config()
    {
        return config;
    }

    /**
     * Record a renewal of a live lease (the caller checked it against the state).
     */
    void renewed(final Renewal r)
    {
        seen.put(key(r.cell(), r.instanceId()), new Seen(r.grantIndex(), config.clock().monotonicMs(), true,
            r.p50Us(), r.p99Us(), r.queueDepth(), r.callsPerSecond()));
        renewals.incrementAndGet();
    }

    /**
     * @param leases reads every live lease in this replica's state (only when it leads).
     * @return what to submit now.
     */
    Plan tick(final Supplier<List<RegistryState.StoredLease>> leases)
    {
        final long now = config.clock().monotonicMs();
        final boolean leader = isLeader();
        if (leader != wasLeader)
        {
            // A new leader starts every lease's TTL afresh; a former leader's memory is of no use to anyone.
            seen.clear();
            expiring.clear();
            wasLeader = leader;
            lastDigestMs = now - config.digestEvery().toMillis();
        }
        if (!leader)
        {
            return new Plan(List.of(), null, false);
        }
        final List<RegistryState.StoredLease> live = leases.get();
        final long ttl = config.ttlMs();
        final List<ExpiredLease> expire = new ArrayList<>();
        final Set<String> liveKeys = new HashSet<>();
        for (final RegistryState.StoredLease l : live)
        {
            final String key = key(l.cell(), l.instanceId());
            liveKeys.add(key);
            final Seen s = seen.get(key);
            if (s == null || s.grantIndex() != l.grantIndex())
            {
                seen.put(key, new Seen(l.grantIndex(), now, false, 0, 0, 0, 0)); // first seen: a full TTL from now
            }
            else if (now - s.lastMs() > ttl && expiring.putIfAbsent(key, l.grantIndex()) == null)
            {
                expire.add(new ExpiredLease(l.cell(), l.instanceId(), l.grantIndex()));
            }
        }
        seen.keySet().retainAll(liveKeys);
        List<LoadReport> loads = null;
        if (digestsInFlight.get() == 0 && now - lastDigestMs >= config.digestEvery().toMillis())
        {
            lastDigestMs = now;
            loads = new ArrayList<>(live.size());
            for (final RegistryState.StoredLease l : live)
            {
                final Seen s = seen.get(key(l.cell(), l.instanceId()));
                if (s != null && s.grantIndex() == l.grantIndex())
                {
                    loads.add(new LoadReport(l.cell(), l.instanceId(), l.grantIndex(), s.p50Us(), s.p99Us(),
                        s.queueDepth(), s.callsPerSecond(), s.renewed() ? now - s.lastMs() : -1));
                }
            }
        }
        return new Plan(expire, loads, true);
    }

    /**
     * The expiry entry for these leases committed, or failed (a later tick proposes what is still due).
     */
    void expiryDone(final List<ExpiredLease> leases, final boolean committed)
    {
        for (final ExpiredLease l : leases)
        {
            expiring.remove(key(l.cell(), l.instanceId()), l.grantIndex());
        }
        if (committed)
        {
            expired.addAndGet(leases.size());
        }
    }

    /**
     * A digest entry was proposed; no next digest is planned until every one proposed is done.
     */
    void digestStarted()
    {
        digestsInFlight.incrementAndGet();
    }

    void digestDone()
    {
        digestsInFlight.decrementAndGet();
    }

    /**
     * @return renewals this replica took since it started.
     */
    long renewals()
    {
        return renewals.get();
    }

    /**
     * @return leases this replica expired through committed expiry entries.
     */
    long expired()
    {
        return expired.get();
    }

    private static String key(final String cell, final String instanceId)
    {
        return cell + '\0' + instanceId;
    }
}
