package dev.cell.registry;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry on a 3-replica group in this JVM, with the default lease settings (renewals every 250 ms, expired
 * after 4 missed: a TTL of 1 s): an instance is listed by every replica while it renews, gone from every replica
 * within its TTL after it stops renewing and at once after a clean stop; a leader change expires no renewing
 * instance; an announcement signed by a key that does not own the name reaches no replica's state. Measured times
 * are printed.
 */
class RegistryGroupTest
{
    private RegistryGroup group;

    @AfterEach
    void tearDown() throws Exception
    {
        if (group != null)
        {
            group.close();
        }
    }

    private RegistryLease lease(final Identity key, final String cell, final String instanceId)
    {
        return group.track(new RegistryLease(key, new RegistryLease.Spec(cell, "1.0.0", "0123456789abcdef",
            instanceId, "host-a", "eu-1", group.root.resolve("run").resolve(instanceId).toString(), "127.0.0.1:7400",
            List.of()), group.allOptions()));
    }

    @Test
    void anInstanceIsGoneWithinItsTtlAfterItStopsRenewingAndAtOnceAfterACleanStop() throws Exception
    {
        group = new RegistryGroup("expiry", Duration.ofMillis(250), 4);
        group.startAll();
        final long ttl = group.config().ttlMs();
        final long tick = group.config().tick().toMillis();
        final Identity key = Harness.identity(group.root, "exchange");

        final RegistryLease crashing = lease(key, "exchange", "exchange-1");
        final long announcedNs = System.nanoTime();
        crashing.announce();
        RegistryGroup.await("exchange-1 listed on every replica", Duration.ofSeconds(10),
            () -> group.everyReplicaLists("exchange", List.of("exchange-1")));
        final long visibleMs = (System.nanoTime() - announcedNs) / 1_000_000L;
        crashing.startRenewing(() -> new RegistryLease.Load(80, 400, 0, 1000));
        RegistryGroup.await("six renewals and a digest with them", Duration.ofSeconds(20),
            () -> crashing.renewals() >= 6 && group.reader(2).instances(new Lookup("exchange", "", "", "", 0))
                .instances().getFirst().p50Us() == 80);
        assertEquals(1, crashing.announcements(), "a renewing lease never expired");
        assertTrue(group.everyReplicaLists("exchange", List.of("exchange-1")));
        // Each replica's read says how fresh it is: now minus the newest leader stamp it applied (a digest a second).
        final long digestMs = group.config().digestEvery().toMillis();
        final StringBuilder staleness = new StringBuilder();
        for (int i = 0; i < RegistryGroup.REPLICAS; i++)
        {
            final Instances read = group.reader(i).instances(new Lookup("exchange", "", "", "", 0));
            final long ageMs = System.currentTimeMillis() - read.leaderStampMs();
            staleness.append(staleness.isEmpty() ? "" : ", ").append("r").append(i).append(' ').append(ageMs)
                .append(" ms");
            // A digest a second, stamped when proposed: the age adds a commit, seconds on a loaded shared machine.
            assertTrue(read.leaderStampMs() > 0 && ageMs <= digestMs + 3_000, "replica " + i + ": " + ageMs + " ms");
            assertEquals(80, read.instances().getFirst().p50Us(), "the digest carried the reported load");
        }

        final int leader = group.leader();
        final long expiredBefore = group.nodes[leader].expired();
        crashing.stopRenewing(); // as if killed: no revocation
        final long lastRenewalNs = crashing.lastRenewedNanos();
        RegistryGroup.await("exchange-1 gone from every replica", Duration.ofSeconds(20),
            () -> group.everyReplicaLists("exchange", List.of()));
        final long goneMs = (System.nanoTime() - lastRenewalNs) / 1_000_000L;
        System.out.println("registry: after its last renewal a silent instance was gone from all 3 replicas in " +
            goneMs + " ms (TTL " + ttl + " ms = 250 ms x 4, keeper tick " + tick + " ms); announce to listed " +
            "everywhere " + visibleMs + " ms; reads' staleness (now - leader stamp, digest every " + digestMs +
            " ms): " + staleness);
        assertTrue(goneMs >= ttl - tick, "expired " + goneMs + " ms after its last renewal: before its TTL");
        assertTrue(goneMs <= ttl + 1_000, "gone only " + goneMs + " ms after its last renewal");
        if (group.leader() == leader)
        {
            assertEquals(expiredBefore + 1, group.nodes[leader].expired(), "one lease, one expiry");
        }

        final RegistryLease stopping = lease(key, "exchange", "exchange-2");
        stopping.announce();
        stopping.startRenewing(() -> RegistryLease.Load.NONE);
        RegistryGroup.await("exchange-2 listed on every replica", Duration.ofSeconds(10),
            () -> group.everyReplicaLists("exchange", List.of("exchange-2")));
        final long stopNs = System.nanoTime();
        stopping.close();
        RegistryGroup.await("exchange-2 gone from every replica", Duration.ofSeconds(10),
            () -> group.everyReplicaLists("exchange", List.of()));
        final long revokedMs = (System.nanoTime() - stopNs) / 1_000_000L;
        System.out.println("registry: a clean stop was gone from all 3 replicas in " + revokedMs + " ms");
        assertTrue(revokedMs < ttl, "a revoked lease must not wait for its TTL: " + revokedMs + " ms");
        group.awaitSameState();
    }

    @Test
    void aLeaderChangeDoesNotExpireARenewingInstance() throws Exception
    {
        group = new RegistryGroup("leader", Duration.ofMillis(250), 4);
        group.startAll();
        final Identity key = Harness.identity(group.root, "exchange");
        final RegistryLease renewing = lease(key, "exchange", "exchange-1");
        final long grant = renewing.announce().grantIndex();
        renewing.startRenewing(() -> RegistryLease.Load.NONE);
        RegistryGroup.await("exchange-1 listed on every replica", Duration.ofSeconds(10),
            () -> group.everyReplicaLists("exchange", List.of("exchange-1")));
        RegistryGroup.await("four renewals", Duration.ofSeconds(20), () -> renewing.renewals() >= 4);

        final int old = group.leader();
        final long stoppedNs = System.nanoTime();
        group.stop(old);
        RegistryGroup.await("a new leader", Duration.ofSeconds(30), () -> group.leader() >= 0);
        final long electedMs = (System.nanoTime() - stoppedNs) / 1_000_000L;
        final int elected = group.leader();
        final long renewalsAtElection = renewing.renewals();
        // Three TTLs under the new leader, looking every few ms: listed by both survivors every time.
        final long until = System.nanoTime() + 3 * group.config().ttlMs() * 1_000_000L;
        int looks = 0;
        while (System.nanoTime() - until < 0)
        {
            for (final List<String> ids : group.listed("exchange"))
            {
                assertEquals(List.of("exchange-1"), ids, "look " + looks);
            }
            looks++;
            LockSupport.parkNanos(5_000_000L);
        }
        System.out.println("registry: leader r" + old + " stopped, r" + elected + " elected after " + electedMs +
            " ms; exchange-1 listed in all " + looks + " looks over 3 TTLs, " +
            (renewing.renewals() - renewalsAtElection) + " renewals taken by the new leader");
        assertTrue(renewing.renewals() - renewalsAtElection >= 6, "the new leader takes renewals");
        assertEquals(1, renewing.announcements(), "never expired, never announced again");
        assertEquals(grant, renewing.lease().grantIndex());
        assertEquals(0, group.nodes[elected].expired());
    }

    @Test
    void anAnnouncementAskedOfALeaderThatLostItsQuorumIsAnsweredOnceTheGroupElectsAgain() throws Exception
    {
        group = new RegistryGroup("electing", Duration.ofMillis(250), 4);
        group.startAll();
        final Identity key = Harness.identity(group.root, "exchange");
        group.stop(group.leader());
        RegistryGroup.await("a leader of the two left", Duration.ofSeconds(30), () -> group.leader() >= 0);
        final int via = group.leader();
        final int other = group.nodes[(via + 1) % RegistryGroup.REPLICAS] != null ? (via + 1) % RegistryGroup.REPLICAS :
            (via + 2) % RegistryGroup.REPLICAS;
        final RegistryClient reader = group.reader(via);
        reader.announce(Harness.announcement(key, key.publicId(), "exchange", "exchange-0", System.currentTimeMillis(),
            List.of()));
        group.stop(other);
        // Asked of a leader alone: its read index waits for a quorum, it steps down, and a quorum is back when other
        // restarts. Every member it may ask meanwhile is a leader without quorum, a candidate or a stopped one.
        final long askedMs = System.currentTimeMillis();
        final CompletableFuture<Ticket> asked = reader.announceAsync(Harness.announcement(key, key.publicId(),
            "exchange", "exchange-1", askedMs, List.of()));
        group.start(other);
        final Ticket ticket = asked.get(30, TimeUnit.SECONDS);
        System.out.println("registry: an announcement asked of a leader without its quorum was answered " +
            (System.currentTimeMillis() - askedMs) + " ms later, once r" + group.leader() + " led");
        assertTrue(ticket.ticket().length > 0 && ticket.admittedMs() >= askedMs, "admitted after it was asked");
    }

    @Test
    void anAnnouncementForExchangeSignedByAKeyThatDoesNotOwnItReachesNoReplica() throws Exception
    {
        group = new RegistryGroup("owner", Duration.ofMillis(250), 4);
        group.startAll();
        final Identity owner = Harness.identity(group.root, "owner");
        final Identity intruder = Harness.identity(group.root, "intruder");
        final RegistryLease genuine = lease(owner, "exchange", "exchange-1");
        genuine.announce();
        genuine.startRenewing(() -> RegistryLease.Load.NONE);

        final RegistryClient via = group.reader(1);
        final Announcement other = Harness.announcement(intruder, intruder.publicId(), "exchange", "exchange-evil",
            System.currentTimeMillis(), List.of());
        assertThrows(NotOwner.class, () -> via.announce(other), "refused by the leader before the log");
        final Announcement claimsOwner = Harness.announcement(intruder, owner.publicId(), "exchange",
            "exchange-evil", System.currentTimeMillis(), List.of());
        assertThrows(Refused.class, () -> via.announce(claimsOwner));
        // Straight to the log, without the leader's ticket or with one the intruder signed: refused on apply.
        assertThrows(Refused.class, () -> via.grant(other));
        final long now = System.currentTimeMillis();
        final Announcement selfTicket = RegistryLease.withTicket(other,
            new Ticket(now, intruder.sign(RegistrySignatures.ticket(other, now)), 0, 0));
        assertThrows(Refused.class, () -> group.reader(2).grant(selfTicket));

        final List<String> stateBefore = List.of("exchange-1");
        group.awaitSameState();
        assertEquals(List.of(stateBefore, stateBefore, stateBefore), group.listed("exchange"));
        for (int i = 0; i < RegistryGroup.REPLICAS; i++)
        {
            assertEquals(List.of(new Owner(owner.publicId())), group.reader(i).owners(new Name("exchange")).owners());
        }
    }
}
