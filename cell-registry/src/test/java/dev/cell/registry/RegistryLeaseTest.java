package dev.cell.registry;

import dev.cell.runtime.CellError;
import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leases with a manual clock: grant, renewals kept in the leader's memory, expiry after {@code renewEvery × misses}
 * through one expiry entry, revocation, a fresh TTL for every lease on a new leader, replays, and apply that depends
 * on the entries alone (two replicas with different clocks and roles reach the same state).
 */
class RegistryLeaseTest
{
    private static final long TTL = 1_000; // the harness: 250 ms × 4

    private Path root;
    private Harness h;
    private Identity a;

    @BeforeEach
    void setUp() throws Exception
    {
        root = Harness.tmp("registry-leases");
        h = new Harness(root, "r0", Harness.identity(root, "registry"));
        a = Harness.identity(root, "a");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        h.close();
        Harness.deleteTree(root);
    }

    private Announcement by(final String instanceId)
    {
        return Harness.announcement(a, a.publicId(), "exchange", instanceId, h.clock.epochMs(), List.of());
    }

    private LeaseKeeper.Plan tick()
    {
        return h.registry.keeper().tick(h.registry::liveLeases);
    }

    private Renewal renewal(final Announcement an, final Lease l, final int p50Us)
    {
        return new Renewal(an.cell(), an.instanceId(), l.grantIndex(), an.nonce(), p50Us, 4 * p50Us, 3, 1200);
    }

    @Test
    void aLeaseLivesWhileRenewedAndIsExpiredByOneEntryAfterItsTtl() throws Exception
    {
        final Announcement one = by("exchange-1");
        final Announcement two = by("exchange-2");
        final Lease l1 = h.announceAndGrant(one);
        final Lease l2 = h.announceAndGrant(two);
        assertEquals(List.of(), tick().expire(), "first seen: a full TTL from now");

        for (int i = 0; i < 8; i++) // 2 s of renewals every 250 ms: only exchange-1 renews
        {
            h.clock.advance(250);
            assertEquals(TTL, h.registry.renew(renewal(one, l1, 100)).ttlMs());
            final LeaseKeeper.Plan plan = tick();
            if (i < 3)
            {
                assertEquals(List.of(), plan.expire(), "at " + (i + 1) * 250 + " ms");
            }
            else if (i == 3)
            {
                assertEquals(List.of(), plan.expire(), "exactly one TTL without a renewal is not yet expired");
            }
            else if (i == 4)
            {
                assertEquals(List.of(new ExpiredLease("exchange", "exchange-2", l2.grantIndex())), plan.expire());
                assertEquals(1, h.apply(() -> h.registry.expire(h.expiry(plan.expire()))).removed());
                h.registry.keeper().expiryDone(plan.expire(), true);
            }
            else
            {
                assertEquals(List.of(), plan.expire(), "expired once, and exchange-1 keeps renewing");
            }
        }
        assertEquals(List.of("exchange-1"), h.instances("exchange").stream().map(InstanceInfo::instanceId).toList());
        assertThrows(UnknownLease.class, () -> h.registry.renew(renewal(two, l2, 1)));
        assertEquals(8, h.registry.keeper().renewals(), "renewals changed no state: no entry was applied for them");
        assertEquals(0, h.apply(() -> h.registry.expire(h.expiry(List.of(
            new ExpiredLease("exchange", "exchange-2", l2.grantIndex()))))).removed(), "a second expiry is a no-op");
    }

    @Test
    void aBatchOfRenewalsRenewsTheLiveLeasesAndNamesTheOthers() throws Exception
    {
        final Announcement one = by("exchange-1");
        final Announcement two = by("exchange-2");
        final Lease l1 = h.announceAndGrant(one);
        final Lease l2 = h.announceAndGrant(two);
        tick();
        h.clock.advance(TTL);
        final Renewal stale = new Renewal("exchange", "exchange-2", l2.grantIndex() + 1, two.nonce(), 0, 0, 0, 0);
        final BatchRenewed r = h.registry.renewAll(new Renewals(List.of(renewal(one, l1, 70), stale,
            renewal(two, l2, 90))));
        assertEquals(2, r.renewed());
        assertEquals(List.of(new LeaseRef("exchange", "exchange-2", l2.grantIndex() + 1)), r.unknown());
        h.clock.advance(TTL);
        assertEquals(List.of(), tick().expire(), "both renewed at one TTL");
        h.leader = false;
        assertThrows(NotLeader.class, () -> h.registry.renewAll(new Renewals(List.of(renewal(one, l1, 1)))));
    }

    @Test
    void anExpiryInFlightIsNotProposedTwiceAndOneThatFailedIsProposedAgain() throws Exception
    {
        final Lease l = h.announceAndGrant(by("exchange-1"));
        tick();
        h.clock.advance(TTL + 1);
        final LeaseKeeper.Plan first = tick();
        assertEquals(1, first.expire().size());
        assertEquals(List.of(), tick().expire(), "still in flight");
        h.registry.keeper().expiryDone(first.expire(), false);
        assertEquals(List.of(new ExpiredLease("exchange", "exchange-1", l.grantIndex())), tick().expire());
    }

    @Test
    void aRenewalMustNameTheLiveGrantAndItsNonce() throws Exception
    {
        final Announcement one = by("exchange-1");
        final Lease l = h.announceAndGrant(one);
        final Renewal wrongNonce = new Renewal("exchange", "exchange-1", l.grantIndex(), new byte[16], 0, 0, 0, 0);
        assertThrows(UnknownLease.class, () -> h.registry.renew(wrongNonce));
        final Renewal wrongGrant = new Renewal("exchange", "exchange-1", l.grantIndex() + 7, one.nonce(), 0, 0, 0, 0);
        assertThrows(UnknownLease.class, () -> h.registry.renew(wrongGrant));
        h.leader = false;
        assertThrows(NotLeader.class, () -> h.registry.renew(renewal(one, l, 1)));
        assertThrows(NotLeader.class, () -> h.registry.announce(by("exchange-9")));
        assertEquals(0, h.registry.keeper().renewals());
    }

    @Test
    void aNewLeaderGivesEveryLeaseAFullTtlAndExpiresNothingWhileFollowing() throws Exception
    {
        final Announcement one = by("exchange-1");
        final Lease l = h.announceAndGrant(one);
        tick();
        h.leader = false;
        h.clock.advance(10 * TTL); // no renewals reach a follower
        assertFalse(tick().leader());
        assertEquals(List.of(), tick().expire());
        h.leader = true;
        assertEquals(List.of(), tick().expire(), "elected: the lease's TTL starts now");
        h.clock.advance(TTL);
        assertEquals(List.of(), tick().expire());
        h.registry.renew(renewal(one, l, 5));
        h.clock.advance(TTL);
        assertEquals(List.of(), tick().expire());
        h.clock.advance(1);
        assertEquals(1, tick().expire().size());
    }

    @Test
    void aRevocationSignedByTheLeaseIdentityEndsItAtOnce() throws Exception
    {
        final Lease l = h.announceAndGrant(by("exchange-1"));
        final Revocation byOther = revocation(Harness.identity(root, "b"), l.grantIndex());
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.revoke(byOther)));
        assertThrows(UnknownLease.class, () -> h.apply(() -> h.registry.revoke(revocation(a, l.grantIndex() + 1))));
        assertEquals(1, h.instances("exchange").size());
        assertTrue(h.apply(() -> h.registry.revoke(revocation(a, l.grantIndex()))).removed());
        assertEquals(List.of(), h.instances("exchange"));
        assertThrows(UnknownLease.class, () -> h.apply(() -> h.registry.revoke(revocation(a, l.grantIndex()))));
    }

    @Test
    void replaysAndStaleMessagesAreRefused() throws Exception
    {
        final Announcement one = by("exchange-1");
        final Ticket t = h.registry.announce(one);
        h.apply(() -> h.registry.grant(RegistryLease.withTicket(one, t)));
        assertThrows(Refused.class, () -> h.registry.announce(one), "announced already");
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(RegistryLease.withTicket(one, t))));

        h.clock.advance(Registry.WINDOW_MS + 1);
        final Refused stale = assertThrows(Refused.class, () -> h.registry.announce(
            Harness.announcement(a, a.publicId(), "exchange", "exchange-2", h.clock.epochMs() - Registry.WINDOW_MS - 1,
                List.of())));
        assertTrue(stale.reason().contains("check the host's clock"), stale.reason());
        // The log's own stamp moves on with a digest; a ticket older than the window is refused on apply.
        final Announcement late = by("exchange-3");
        final Announcement oldTicket = h.ticketed(late, h.clock.epochMs() - 2 * Registry.WINDOW_MS);
        h.apply(() -> h.registry.digest(h.digest(List.of())));
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(oldTicket)));
        final Expiry oldExpiry = h.expiry(List.of());
        h.clock.advance(Registry.WINDOW_MS + 1);
        h.apply(() -> h.registry.digest(h.digest(List.of())));
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.expire(oldExpiry)));
    }

    @Test
    void onlyRegistryKeysExpireAndDigestAndADigestCarriesTheLoads() throws Exception
    {
        final Announcement one = by("exchange-1");
        final Lease l = h.announceAndGrant(one);
        final Identity instanceKey = a;
        final List<ExpiredLease> target = List.of(new ExpiredLease("exchange", "exchange-1", l.grantIndex()));
        final Expiry unsigned = new Expiry(h.clock.epochMs(), instanceKey.publicId(), new byte[0], target);
        final Expiry byInstance = new Expiry(unsigned.leaderMs(), unsigned.signer(),
            instanceKey.sign(RegistrySignatures.expiry(unsigned)), target);
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.expire(byInstance)));
        final Expiry good = h.expiry(target);
        final Expiry claimed = new Expiry(good.leaderMs(), good.signer(), instanceKey.sign(
            RegistrySignatures.expiry(good)), target);
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.expire(claimed)), "registry signer, wrong key");
        assertEquals(1, h.instances("exchange").size());

        tick();
        h.clock.advance(300);
        h.registry.renew(renewal(one, l, 120));
        h.clock.advance(700);
        final LeaseKeeper.Plan plan = tick();
        assertEquals(1, plan.loads().size());
        assertEquals(700, plan.loads().getFirst().renewedAgoMs());
        assertEquals(1, h.apply(() -> h.registry.digest(h.digest(plan.loads()))).updated());
        final Instances listed = h.registry.instances(new Lookup("exchange", "1.0.0", "0123456789abcdef", "", 0));
        final InstanceInfo info = listed.instances().getFirst();
        assertEquals(120, info.p50Us());
        assertEquals(480, info.p99Us());
        assertEquals(3, info.queueDepth());
        assertEquals(1200, info.callsPerSecond());
        assertEquals(h.clock.epochMs() - 700, info.lastRenewalMs());
        assertEquals(h.clock.epochMs(), listed.leaderStampMs());
        assertEquals(List.of(), h.registry.instances(new Lookup("exchange", "2.0.0", "", "", 0)).instances());
        assertNull(tick().loads(), "the next digest is a second away");
    }

    @Test
    void applyDependsOnTheEntriesAloneNotOnTheReplicasClockOrRole() throws Exception
    {
        final Identity b = Harness.identity(root, "b");
        // The leader's side: tickets, expiries and digests as the leader would make them.
        try (Harness other = new Harness(root, "r1", h.key))
        {
            other.leader = false;
            other.clock.advance(123_456); // another clock: apply must not read it
            final Announcement e1 = by("exchange-1");
            final Announcement e2 = by("exchange-2");
            final Announcement forged = Harness.announcement(b, a.publicId(), "exchange", "exchange-3",
                h.clock.epochMs(), List.of());
            final Announcement g1 = RegistryLease.withTicket(e1, h.registry.announce(e1));
            final Announcement g2 = RegistryLease.withTicket(e2, h.registry.announce(e2));
            final Announcement g3 = h.ticketed(forged, h.clock.epochMs());
            final ConsumerUse use = new ConsumerUse("exchange", "trader", "host-b", b.publicId(), 5, new byte[0],
                List.of(new HandlerUse("quote", "0000000000000001")));
            final ConsumerUse signedUse = new ConsumerUse(use.cell(), use.consumer(), use.host(), use.identity(), 5,
                b.sign(RegistrySignatures.use(use)), use.handlers());
            final List<Object> results = new ArrayList<>();
            for (final Harness replica : List.of(h, other))
            {
                final Registry r = replica.registry;
                final List<Harness.Call<?>> calls = List.of(
                    () -> r.grant(g1), () -> r.grant(g2), () -> r.grant(g3), () -> r.recordUse(signedUse),
                    () -> r.digest(h.digest(List.of(new LoadReport("exchange", "exchange-1", 1, 50, 90, 1, 10, 20)))),
                    () -> r.expire(h.expiry(List.of(new ExpiredLease("exchange", "exchange-2", 2)))),
                    () -> r.grant(g2));
                final StringBuilder outcome = new StringBuilder();
                for (final Harness.Call<?> call : calls)
                {
                    try
                    {
                        outcome.append(replica.apply(call)).append('\n');
                    }
                    catch (final CellError ex)
                    {
                        outcome.append(ex.getClass().getSimpleName()).append('\n');
                    }
                }
                results.add(outcome.toString());
            }
            assertEquals(results.get(0), results.get(1), "the same replies on both replicas");
            assertEquals(h.ledger.stateHash(), other.ledger.stateHash());
            assertEquals(h.instances("exchange"), other.instances("exchange"));
            assertEquals(List.of("exchange-1"), other.instances("exchange").stream().map(InstanceInfo::instanceId)
                .toList(), "exchange-3 was forged, exchange-2 expired and its replayed grant refused");
            assertEquals(50, other.instances("exchange").getFirst().p50Us());
        }
    }

    @Test
    void instancesAreListedInPagesByVersionGenomeAndId() throws Exception
    {
        for (int i = 0; i < 7; i++)
        {
            h.announceAndGrant(by("exchange-" + (6 - i)));
        }
        final List<String> seen = new ArrayList<>();
        String after = "";
        int pages = 0;
        do
        {
            final Instances page = h.registry.instances(new Lookup("exchange", "1.0.0", "", after, 3));
            assertTrue(page.instances().size() <= 3);
            page.instances().forEach(info -> seen.add(info.instanceId()));
            after = page.next();
            pages++;
        }
        while (!after.isEmpty());
        assertEquals(3, pages);
        assertEquals(List.of("exchange-0", "exchange-1", "exchange-2", "exchange-3", "exchange-4", "exchange-5",
            "exchange-6"), seen);
        assertEquals(List.of(), h.registry.instances(new Lookup("exchange", "1.0.0", "",
            "1.0.0 0123456789abcdef exchange-6", 3)).instances());
    }

    private Revocation revocation(final Identity signer, final long grantIndex)
    {
        final Revocation unsigned = new Revocation("exchange", "exchange-1", grantIndex, h.clock.epochMs(),
            new byte[0]);
        return new Revocation(unsigned.cell(), unsigned.instanceId(), grantIndex, unsigned.issuedMs(),
            signer.sign(RegistrySignatures.revocation(unsigned)));
    }
}
