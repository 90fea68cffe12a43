package dev.cell.registry;

import dev.cell.ledger.JournalReader;
import dev.cell.ledger.JournalSource;
import dev.cell.ledger.State;
import dev.cell.ledger.Stateful;
import dev.cell.runtime.Cell;
import dev.cell.runtime.Command;
import dev.cell.runtime.Query;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The registry: a stateful cell that maps cell name → version → genome fingerprint → live instances, who owns each
 * name, and which consumers use which handlers. It runs on the raft module's Ratis group like any stateful cell;
 * start it with {@link RegistryNode}, which adds the leader's lease keeper.
 * <p>
 * <b>Announcing</b> takes two calls. {@link #announce} is a linearizable query, so the leader answers it: it checks
 * the instance's signature, the name's ownership, the announcement's age and that it is newer than the last one
 * applied for that instance, and answers a ticket signed with its registry key; nothing has entered the log yet.
 * {@link #grant} carries the announcement and its ticket into the log, and every replica checks all of it again when
 * applying (ticket, signature, ownership, age against the log's own clock stamp, replay), from the entry and the
 * state alone: a message refused on apply is a recorded refusal on every replica and changes nothing.
 * <p>
 * <b>Leases.</b> Grant, revocation ({@link #revoke}, signed by the instance) and expiry ({@link #expire}, signed by
 * the leader) are log entries; {@link #renew} (and {@link #renewAll}, many leases in one call) is a linearizable
 * query that only the leader's memory keeps, and the leader's {@link #digest} entry carries the reported loads and a
 * clock stamp once a second. {@link #recordRelease} agrees a released tag's artifact hash once, from its owner's
 * signed manifest. Reads
 * ({@link #instances}, {@link #owners}, {@link #uses}) are answered by the replica they reach from what it applied.
 */
@Cell(value = "registry", stateful = true)
public final class Registry implements Stateful
{
    /**
     * How far an announcement's time may be from the leader's clock, and how old a ticket, an expiry or a digest may
     * be against the newest stamp in the log: also the bound on clock differences between instances and the
     * registry. A constant, not a setting: every replica must decide alike.
     */
    static final long WINDOW_MS = 60_000;
    static final int PAGE = 500;
    private static final int PAGE_BYTES = 64 * 1024;
    private static final int PRUNE_PER_DIGEST = 1_000;

    private final RegistryConfig config;
    private final LeaseKeeper keeper;
    private RegistryState state;
    private JournalSource journal;

    /**
     * For the generated binding ({@code cell mitosis} without {@link RegistryNode}): configured from system
     * properties, never the leader's keeper, so it admits and renews nothing (every such call answers
     * {@link NotLeader}) but applies and serves reads.
     */
    public Registry()
    {
        this(RegistryConfig.fromSystemProperties(), () -> false);
    }

    /**
     * @param config     durations, keys and clock.
     * @param leadership whether this replica leads its group now.
     */
    Registry(final RegistryConfig config, final BooleanSupplier leadership)
    {
        this.config = config;
        this.keeper = new LeaseKeeper(config, leadership);
    }

    @Override
    public void attach(final State state, final JournalSource journal)
    {
        this.state = new RegistryState(state);
        this.journal = journal;
    }

    /**
     * Check an announcement and admit it (answered by the leader; writes nothing).
     *
     * @param a the announcement, without a ticket.
     * @return the leader's ticket, for {@link #grant}.
     * @throws NotOwner  when its key does not own the cell name.
     * @throws Refused   when it is malformed, its signature does not verify, it is too far from the leader's clock,
     *                   or not newer than the last announcement applied for the instance.
     * @throws NotLeader when this replica does not lead (the caller tries again).
     */
    @Query
    public Ticket announce(final Announcement a) throws NotOwner, Refused, NotLeader
    {
        if (config.identity() == null || !keeper.isLeader())
        {
            throw notLeader();
        }
        checkSigned(a);
        checkOwner(a);
        final long now = config.clock().epochMs();
        if (Math.abs(a.issuedMs() - now) > WINDOW_MS)
        {
            throw new Refused("announcement issued at " + a.issuedMs() + " is more than " + WINDOW_MS +
                " ms from the registry's clock (" + now + "): check the host's clock");
        }
        checkNewer(a);
        final byte[] ticket = config.identity().sign(RegistrySignatures.ticket(a, now));
        return new Ticket(now, ticket, config.ttlMs(), config.renewEvery().toMillis());
    }

    /**
     * Grant a lease to an admitted announcement; an instance already listed under its id is replaced.
     *
     * @param a the announcement with its ticket.
     * @return the lease (its id is this entry's log index).
     * @throws NotOwner when its key does not own the name (another key registered it first since the ticket).
     * @throws Refused  when the ticket or the signature does not verify, the ticket is older than the window, or
     *                  the announcement is a replay.
     */
    @Command
    public Lease grant(final Announcement a) throws NotOwner, Refused
    {
        checkSigned(a);
        if (!ticketValid(a))
        {
            throw new Refused("the announcement of '" + a.instanceId() + "' carries no valid ticket of a registry " +
                "key: announce it first");
        }
        if (a.admittedMs() < state.stamp() - WINDOW_MS)
        {
            throw new Refused("ticket of " + a.admittedMs() + " is older than the registry's window");
        }
        checkOwner(a);
        checkNewer(a);
        if (state.owners(a.cell()) == null)
        {
            final List<String> keys = new ArrayList<>();
            a.owners().forEach(o -> keys.add(o.key()));
            state.putOwners(a.cell(), keys.isEmpty() ? List.of(a.identity()) : keys);
        }
        final RegistryState.StoredLease old = state.lease(a.cell(), a.instanceId());
        if (old != null)
        {
            state.deleteLease(old);
        }
        final long index = state.index();
        state.putLease(new RegistryState.StoredLease(a.cell(), a.version(), a.fingerprint(), a.instanceId(),
            a.host(), a.region(), a.junction(), a.axon(), a.identity(), a.nonce().clone(), a.issuedMs(), index,
            a.admittedMs(), 0, 0, 0, 0, 0));
        state.putGuard(a.cell(), a.instanceId(), a.issuedMs(), a.admittedMs());
        state.advanceStamp(a.admittedMs());
        return new Lease(index, a.admittedMs());
    }

    /**
     * Renew a lease (answered by the leader from memory: no log entry).
     *
     * @param r the lease, its nonce and the instance's load.
     * @return the lease's TTL and renewal interval.
     * @throws UnknownLease when no live lease matches (announce again).
     * @throws NotLeader    when this replica does not lead.
     */
    @Query
    public Renewed renew(final Renewal r) throws UnknownLease, NotLeader
    {
        if (!keeper.isLeader())
        {
            throw notLeader();
        }
        if (!live(r))
        {
            throw new UnknownLease(r.cell(), r.instanceId(), r.grantIndex());
        }
        keeper.renewed(r);
        return new Renewed(config.ttlMs(), config.renewEvery().toMillis());
    }

    /**
     * Renew several leases in one call (answered by the leader from memory: no log entry).
     *
     * @param batch up to 500 renewals.
     * @return how many were renewed and which leases are unknown.
     * @throws NotLeader when this replica does not lead.
     */
    @Query
    public BatchRenewed renewAll(final Renewals batch) throws NotLeader
    {
        if (!keeper.isLeader())
        {
            throw notLeader();
        }
        if (batch.leases().size() > PAGE)
        {
            throw new IllegalArgumentException(batch.leases().size() + " renewals in one call: at most " + PAGE);
        }
        int renewed = 0;
        final List<LeaseRef> unknown = new ArrayList<>();
        for (final Renewal r : batch.leases())
        {
            if (live(r))
            {
                keeper.renewed(r);
                renewed++;
            }
            else
            {
                unknown.add(new LeaseRef(r.cell(), r.instanceId(), r.grantIndex()));
            }
        }
        return new BatchRenewed(config.ttlMs(), config.renewEvery().toMillis(), renewed, unknown);
    }

    /**
     * End a lease at once (a clean stop).
     *
     * @param r the lease, signed by its identity.
     * @return whether it was removed.
     * @throws UnknownLease when no live lease matches.
     * @throws Refused      when the signature is not the lease's identity's.
     */
    @Command
    public Revoked revoke(final Revocation r) throws UnknownLease, Refused
    {
        final RegistryState.StoredLease l = Checks.name("cell", r.cell()) != null ||
            Checks.instance(r.instanceId()) != null ? null : state.lease(r.cell(), r.instanceId());
        if (l == null || l.grantIndex() != r.grantIndex())
        {
            throw new UnknownLease(r.cell(), r.instanceId(), r.grantIndex());
        }
        if (!Checks.signed(l.identity(), RegistrySignatures.revocation(r), r.signature()))
        {
            throw new Refused("the revocation of '" + r.instanceId() + "' is not signed by its identity " +
                l.identity());
        }
        state.deleteLease(l);
        return new Revoked(true);
    }

    /**
     * Remove leases the leader found unrenewed (a lease since granted anew is left alone).
     *
     * @param e the leases, signed by a registry key.
     * @return how many were removed.
     * @throws Refused when it is not signed by a registry key or older than the window.
     */
    @Command
    public Expired expire(final Expiry e) throws Refused
    {
        checkRegistrySigned("expiry", e.signer(), RegistrySignatures.expiry(e), e.signature(), e.leaderMs());
        int removed = 0;
        for (final ExpiredLease x : e.leases())
        {
            final RegistryState.StoredLease l = Checks.name("cell", x.cell()) != null ||
                Checks.instance(x.instanceId()) != null ? null : state.lease(x.cell(), x.instanceId());
            if (l != null && l.grantIndex() == x.grantIndex())
            {
                state.deleteLease(l);
                removed++;
            }
        }
        state.advanceStamp(e.leaderMs());
        return new Expired(removed);
    }

    /**
     * Record the loads and renewals the leader heard, advance the clock stamp, and drop replay guards older than
     * twice the window.
     *
     * @param d the loads, signed by a registry key.
     * @return how many leases were updated.
     * @throws Refused when it is not signed by a registry key or older than the window.
     */
    @Command
    public Digested digest(final Digest d) throws Refused
    {
        checkRegistrySigned("digest", d.signer(), RegistrySignatures.digest(d), d.signature(), d.leaderMs());
        int updated = 0;
        for (final LoadReport load : d.loads())
        {
            if (load.renewedAgoMs() < 0 || Checks.name("cell", load.cell()) != null ||
                Checks.instance(load.instanceId()) != null)
            {
                continue;
            }
            final RegistryState.StoredLease l = state.lease(load.cell(), load.instanceId());
            if (l != null && l.grantIndex() == load.grantIndex())
            {
                state.putLease(l.withLoad(load, d.leaderMs() - load.renewedAgoMs()));
                updated++;
            }
        }
        state.pruneGuards(d.leaderMs() - 2 * WINDOW_MS, PRUNE_PER_DIGEST);
        state.advanceStamp(d.leaderMs());
        return new Digested(updated);
    }

    /**
     * Record which handlers of a producer a consumer uses (replacing its earlier record for that producer and host).
     *
     * @param u the use, signed by the consumer.
     * @return how many handlers are recorded.
     * @throws NotOwner when the consumer's name is owned by other keys, or another key recorded this consumer first.
     * @throws Refused  when it is malformed, its signature does not verify, it is not newer than the record, or
     *                  older than the log's clock stamp allows.
     */
    @Command
    public UseRecorded recordUse(final ConsumerUse u) throws NotOwner, Refused
    {
        final String problem = Checks.use(u);
        if (problem != null)
        {
            throw new Refused(problem);
        }
        if (!Checks.signed(u.identity(), RegistrySignatures.use(u), u.signature()))
        {
            throw new Refused("the use of '" + u.cell() + "' by '" + u.consumer() + "' is not signed by " +
                u.identity());
        }
        final Owners owners = state.owners(u.consumer());
        if (owners != null && !contains(owners.owners(), u.identity()))
        {
            throw new NotOwner(u.consumer(), u.identity(), join(owners.owners()));
        }
        final RegistryState.StoredUse prior = state.use(u.cell(), u.consumer(), u.host());
        if (prior != null && owners == null && !prior.identity().equals(u.identity()))
        {
            throw new NotOwner(u.consumer(), u.identity(), prior.identity());
        }
        if (prior != null && u.issuedMs() <= prior.issuedMs())
        {
            throw new Refused("the use issued at " + u.issuedMs() + " is not newer than the one recorded (" +
                prior.issuedMs() + ")");
        }
        if (u.issuedMs() < state.stamp() - WINDOW_MS)
        {
            throw new Refused("the use issued at " + u.issuedMs() + " is more than " + WINDOW_MS + " ms older " +
                "than the registry's clock stamp (" + state.stamp() + ")");
        }
        // No handlers: the consumer stopped using the cell. Kept as a record without handlers, so its time still
        // refuses any older use of that consumer replayed later.
        state.putUse(u.cell(), new RegistryState.StoredUse(u.consumer(), u.host(), u.identity(), u.issuedMs(),
            state.index(), List.copyOf(u.handlers())));
        return new UseRecorded(u.handlers().size());
    }

    /**
     * Agree on a release's artifact hash: the first record for a cell, tag and owner key stands; sending the same
     * again changes nothing, and a different hash for it is refused. Each owner key has its own record, so a key
     * that is not the owner cannot take a tag's name away from the owner (consumers look up the key they pin).
     *
     * @param r the owner's signed manifest.
     * @return whether it was added, and the index that recorded it.
     * @throws Refused when it is malformed or not signed by the owner it names, or when the registry already agreed
     *                 another hash for the same cell, tag and owner.
     */
    @Command
    public ReleaseRecorded recordRelease(final ReleaseRecord r) throws Refused
    {
        final RegistryState.StoredRelease offered = Checks.release(r, state.index());
        final RegistryState.StoredRelease known = state.release(offered.cell(), offered.tag(), offered.signer());
        if (known == null)
        {
            state.putRelease(offered);
            return new ReleaseRecorded(true, offered.recordedIndex());
        }
        if (!known.sha256().equals(offered.sha256()))
        {
            throw new Refused("release " + known.cell() + "@" + known.tag() + " of " + known.signer() + " was " +
                "agreed at log index " + known.recordedIndex() + " with artifact sha256 " + known.sha256() +
                "; this manifest says " + offered.sha256() + ": a released tag does not change (release a new tag)");
        }
        return new ReleaseRecorded(false, known.recordedIndex());
    }

    /**
     * @param l the cell, optionally one version and genome, and the page.
     * @return a page of its live instances as this replica applied them, with the applied index and the newest
     * leader stamp (the applied index is read first: the page is at least that recent).
     */
    @Query(stale = true)
    public Instances instances(final Lookup l)
    {
        if (l.version().isEmpty() && !l.fingerprint().isEmpty())
        {
            throw new IllegalArgumentException("a lookup by fingerprint needs the version too");
        }
        final long index = state.index();
        final long stamp = state.stamp();
        final List<InstanceInfo> found = new ArrayList<>();
        String next = "";
        if (Checks.name("cell", l.cell()) == null)
        {
            final int limit = l.maxInstances() <= 0 || l.maxInstances() > PAGE ? PAGE : l.maxInstances();
            final List<RegistryState.StoredLease> page = state.leases(l.cell(), l.version(), l.fingerprint(),
                l.after(), limit, PAGE_BYTES);
            for (final RegistryState.StoredLease s : page)
            {
                found.add(s.info());
            }
            if (!page.isEmpty() && state.leases(l.cell(), l.version(), l.fingerprint(),
                RegistryState.cursor(page.getLast()), 1, PAGE_BYTES).size() == 1)
            {
                next = RegistryState.cursor(page.getLast());
            }
        }
        return new Instances(index, stamp, found, next);
    }

    /**
     * @param n a cell name.
     * @return who owns it (registered index 0: nobody yet).
     */
    @Query(stale = true)
    public Owners owners(final Name n)
    {
        final Owners o = Checks.name("cell", n.cell()) == null ? state.owners(n.cell()) : null;
        return o == null ? new Owners(0, List.of()) : o;
    }

    /**
     * @param n a producer's served name.
     * @return the recorded uses of its handlers, one entry per consumer, host and handler (the first 500).
     */
    @Query(stale = true)
    public Uses uses(final Name n)
    {
        final List<UseEntry> entries = new ArrayList<>();
        if (Checks.name("cell", n.cell()) == null)
        {
            for (final RegistryState.StoredUse u : state.uses(n.cell(), PAGE))
            {
                for (final HandlerUse h : u.handlers())
                {
                    if (entries.size() == PAGE)
                    {
                        break;
                    }
                    entries.add(new UseEntry(u.consumer(), u.host(), u.identity(), h.handler(), h.fingerprint(),
                        u.recordedIndex()));
                }
            }
        }
        return new Uses(entries);
    }

    LeaseKeeper keeper()
    {
        return keeper;
    }

    /**
     * @param index a log index.
     * @return {commands this replica applied after it, of which digests that ran}: what the log grew by, read from
     * the journal (Ratis' own entries, such as its commit metadata, are not commands and are not counted).
     */
    long[] commandsAfter(final long index)
    {
        final long[] counts = new long[2];
        final RegistryJournal digests = new RegistryJournal(new RegistryJournal.Commands()
        {
            @Override
            public void digest(final long i, final Digest d)
            {
                counts[1]++;
            }
        });
        try (JournalReader reader = journal.readerAfter(index))
        {
            while (reader.next((i, term, payload, offset, length) ->
            {
                counts[0]++;
                digests.onEntry(i, term, payload, offset, length);
            }))
            {
                // count them all
            }
        }
        return counts;
    }

    /**
     * @return every recorded use with handlers, by producer name (what this replica applied; for its host agent).
     */
    java.util.Map<String, List<RegistryState.StoredUse>> allUses()
    {
        final java.util.Map<String, List<RegistryState.StoredUse>> all = new java.util.TreeMap<>();
        state.forEachUse((cell, u) -> all.computeIfAbsent(cell, c -> new ArrayList<>()).add(u));
        return all;
    }

    List<RegistryState.StoredRelease> allReleases()
    {
        final List<RegistryState.StoredRelease> all = new ArrayList<>();
        state.forEachRelease(all::add);
        return all;
    }

    List<RegistryState.StoredLease> liveLeases()
    {
        final List<RegistryState.StoredLease> live = new ArrayList<>();
        state.forEachLease(live::add);
        return live;
    }

    private static void checkSigned(final Announcement a) throws Refused
    {
        final String problem = Checks.announcement(a);
        if (problem != null)
        {
            throw new Refused(problem);
        }
        if (!Checks.signed(a.identity(), RegistrySignatures.announcement(a), a.signature()))
        {
            throw new Refused("the announcement of '" + a.instanceId() + "' of '" + a.cell() +
                "' is not signed by the identity it names (" + a.identity() + ")");
        }
    }

    private void checkOwner(final Announcement a) throws NotOwner
    {
        final Owners owners = state.owners(a.cell());
        if (owners == null)
        {
            if (!a.owners().isEmpty() && !contains(a.owners(), a.identity()))
            {
                throw new NotOwner(a.cell(), a.identity(), join(a.owners()));
            }
        }
        else if (!contains(owners.owners(), a.identity()))
        {
            throw new NotOwner(a.cell(), a.identity(), join(owners.owners()));
        }
    }

    /**
     * @return whether a renewal names a live lease: its instance, grant and nonce.
     */
    private boolean live(final Renewal r)
    {
        final RegistryState.StoredLease l = Checks.name("cell", r.cell()) != null ||
            Checks.instance(r.instanceId()) != null ? null : state.lease(r.cell(), r.instanceId());
        return l != null && l.grantIndex() == r.grantIndex() && MessageDigest.isEqual(l.nonce(), r.nonce());
    }

    private void checkNewer(final Announcement a) throws Refused
    {
        final long[] guard = state.guard(a.cell(), a.instanceId());
        if (guard != null && a.issuedMs() <= guard[0])
        {
            throw new Refused("the announcement of '" + a.instanceId() + "' issued at " + a.issuedMs() +
                " is not newer than the one applied (" + guard[0] + "): a replay, or sign a new one");
        }
    }

    private boolean ticketValid(final Announcement a)
    {
        final byte[] signed = RegistrySignatures.ticket(a, a.admittedMs());
        for (final String key : config.registryKeys())
        {
            if (Checks.signed(key, signed, a.ticket()))
            {
                return true;
            }
        }
        return false;
    }

    private void checkRegistrySigned(final String what, final String signer, final byte[] signed,
        final byte[] signature, final long leaderMs) throws Refused
    {
        if (!config.registryKeys().contains(signer) || !Checks.signed(signer, signed, signature))
        {
            throw new Refused("the " + what + " is not signed by a registry key (signer " + signer + ")");
        }
        if (leaderMs < state.stamp() - WINDOW_MS)
        {
            throw new Refused("the " + what + " of " + leaderMs + " is older than the registry's window");
        }
    }

    private NotLeader notLeader()
    {
        return new NotLeader(config.identity() == null ? "this replica has no registry key" :
            "this replica does not lead its group, or runs without RegistryNode's lease keeper");
    }

    private static boolean contains(final List<Owner> owners, final String key)
    {
        for (final Owner o : owners)
        {
            if (o.key().equals(key))
            {
                return true;
            }
        }
        return false;
    }

    private static String join(final List<Owner> owners)
    {
        final StringBuilder b = new StringBuilder();
        for (final Owner o : owners)
        {
            b.append(b.isEmpty() ? "" : ", ").append(o.key());
        }
        return b.toString();
    }
}
