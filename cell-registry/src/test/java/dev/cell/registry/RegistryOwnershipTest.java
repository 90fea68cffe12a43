package dev.cell.registry;

import dev.cell.runtime.identity.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Name ownership and signatures, on both paths: the leader's check before anything is logged ({@code announce}) and
 * the state machine's on apply ({@code grant}), which must refuse alone what the first check would have caught.
 */
class RegistryOwnershipTest
{
    private static final long START_MS = Harness.ManualClock.START_MS;

    private Path root;
    private Harness h;
    private Identity a;
    private Identity b;
    private Identity c;

    @BeforeEach
    void setUp() throws Exception
    {
        root = Harness.tmp("registry-owners");
        h = new Harness(root, "r0", Harness.identity(root, "registry"));
        a = Harness.identity(root, "a");
        b = Harness.identity(root, "b");
        c = Harness.identity(root, "c");
    }

    @AfterEach
    void tearDown() throws Exception
    {
        h.close();
        Harness.deleteTree(root);
    }

    private Announcement by(final Identity key, final String cell, final String instanceId)
    {
        return Harness.announcement(key, key.publicId(), cell, instanceId, h.clock.epochMs(), List.of());
    }

    @Test
    void theFirstKeyToRegisterANameOwnsItAndAnotherKeyIsRefusedOnBothPaths() throws Exception
    {
        final Lease lease = h.announceAndGrant(by(a, "exchange", "exchange-1"));
        assertTrue(lease.grantIndex() > 0);
        assertEquals(List.of(new Owner(a.publicId())), h.registry.owners(new Name("exchange")).owners());
        final String hashBefore = h.ledger.stateHash();

        final Announcement intruder = by(b, "exchange", "exchange-evil");
        final NotOwner before = assertThrows(NotOwner.class, () -> h.registry.announce(intruder));
        assertEquals(b.publicId(), before.key());
        assertEquals(a.publicId(), before.owners());

        // Straight into the log without a ticket: refused on apply.
        final Refused noTicket = assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(intruder)));
        assertTrue(noTicket.reason().contains("no valid ticket"), noTicket.reason());
        // A ticket signed by some other key is no ticket.
        final Announcement ownTicket = RegistryLease.withTicket(intruder,
            new Ticket(h.clock.epochMs(), b.sign(RegistrySignatures.ticket(intruder, h.clock.epochMs())), 0, 0));
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(ownTicket)));
        // Even a genuine ticket (two first registrations admitted before either applied): ownership is checked again.
        final Announcement admitted = h.ticketed(intruder, h.clock.epochMs());
        final NotOwner onApply = assertThrows(NotOwner.class, () -> h.apply(() -> h.registry.grant(admitted)));
        assertEquals(b.publicId(), onApply.key());

        assertEquals(hashBefore, h.ledger.stateHash(), "no refused entry changed the state");
        assertEquals(List.of("exchange-1"), h.instances("exchange").stream().map(InstanceInfo::instanceId).toList());
    }

    @Test
    void aRaceOfTwoFirstRegistrationsIsDecidedByLogOrder() throws Exception
    {
        final Announcement first = by(a, "orders", "orders-a");
        final Announcement second = by(b, "orders", "orders-b");
        final Ticket ta = h.registry.announce(first);
        final Ticket tb = h.registry.announce(second); // both admitted: nobody owned the name yet
        h.apply(() -> h.registry.grant(RegistryLease.withTicket(second, tb)));
        assertThrows(NotOwner.class, () -> h.apply(() -> h.registry.grant(RegistryLease.withTicket(first, ta))));
        assertEquals(List.of(new Owner(b.publicId())), h.registry.owners(new Name("orders")).owners());
        assertEquals(List.of("orders-b"), h.instances("orders").stream().map(InstanceInfo::instanceId).toList());
    }

    @Test
    void aForgedSignatureIsRefusedOnBothPaths() throws Exception
    {
        h.announceAndGrant(by(a, "exchange", "exchange-1"));
        final String hashBefore = h.ledger.stateHash();
        // B signs an announcement that names A's identity.
        final Announcement forged = Harness.announcement(b, a.publicId(), "exchange", "exchange-2",
            h.clock.epochMs(), List.of());
        assertTrue(assertThrows(Refused.class, () -> h.registry.announce(forged)).reason()
            .contains("not signed by the identity it names"));
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(h.ticketed(forged, h.clock.epochMs()))));

        // A's genuine announcement altered after signing (another axon endpoint): refused the same way.
        final Announcement genuine = by(a, "exchange", "exchange-3");
        final Announcement altered = new Announcement(genuine.cell(), genuine.version(), genuine.fingerprint(),
            genuine.instanceId(), genuine.host(), genuine.region(), genuine.junction(), "10.6.6.6:7400",
            genuine.identity(), genuine.owners(), genuine.nonce(), genuine.issuedMs(), genuine.signature(), 0,
            new byte[0]);
        assertThrows(Refused.class, () -> h.registry.announce(altered));
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(h.ticketed(altered, h.clock.epochMs()))));
        // A ticket admits one announcement only, not another one of the same key.
        final Ticket t = h.registry.announce(genuine);
        final Announcement other = by(a, "exchange", "exchange-4");
        final Refused uncovered = assertThrows(Refused.class,
            () -> h.apply(() -> h.registry.grant(RegistryLease.withTicket(other, t))));
        assertTrue(uncovered.reason().contains("no valid ticket"), uncovered.reason());

        assertEquals(hashBefore, h.ledger.stateHash());
        assertEquals(List.of("exchange-1"), h.instances("exchange").stream().map(InstanceInfo::instanceId).toList());
    }

    @Test
    void theOwnersListGivenAtFirstRegistrationDecidesWhoMayUseTheName() throws Exception
    {
        // C is not among the owners it declares: refused, and the name stays free.
        final Announcement outsider = Harness.announcement(c, c.publicId(), "ledger", "ledger-0", h.clock.epochMs(),
            List.of(a.publicId()));
        assertThrows(NotOwner.class, () -> h.registry.announce(outsider));
        assertThrows(NotOwner.class, () -> h.apply(() -> h.registry.grant(h.ticketed(outsider, h.clock.epochMs()))));
        assertEquals(0, h.registry.owners(new Name("ledger")).registeredIndex());

        final Announcement declared = Harness.announcement(c, c.publicId(), "ledger", "ledger-1", h.clock.epochMs(),
            List.of(a.publicId(), c.publicId()));
        final Lease first = h.announceAndGrant(declared);
        final Owners owners = h.registry.owners(new Name("ledger"));
        assertEquals(first.grantIndex(), owners.registeredIndex());
        assertEquals(List.of(new Owner(a.publicId()), new Owner(c.publicId())), owners.owners());

        h.announceAndGrant(by(a, "ledger", "ledger-2")); // a listed owner that never announced before
        assertThrows(NotOwner.class, () -> h.registry.announce(by(b, "ledger", "ledger-3")));
        // A later owners list changes nothing: B naming itself is still not an owner.
        final Announcement claim = Harness.announcement(b, b.publicId(), "ledger", "ledger-4", h.clock.epochMs(),
            List.of(b.publicId()));
        assertThrows(NotOwner.class, () -> h.registry.announce(claim));
        assertEquals(List.of("ledger-1", "ledger-2"),
            h.instances("ledger").stream().map(InstanceInfo::instanceId).toList());
    }

    @Test
    void malformedAnnouncementsAreRefusedBeforeTheirSignatureIsLookedAt() throws Exception
    {
        final Announcement bad = Harness.announcement(a, a.publicId(), "Exchange!", "x-1", h.clock.epochMs(),
            List.of());
        assertTrue(assertThrows(Refused.class, () -> h.registry.announce(bad)).reason().contains("cell name"));
        final Announcement zero = Harness.announcement(a, a.publicId(), "ex", "x\0y", h.clock.epochMs(), List.of());
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.grant(h.ticketed(zero, h.clock.epochMs()))));
        final Announcement endpoint = Harness.resign(new Announcement("ex", "1.0.0", "0123456789abcdef", "x-2",
            "host-a", "", "", "no-port", a.publicId(), List.of(), new byte[16], h.clock.epochMs(), new byte[0], 0,
            new byte[0]), a);
        assertThrows(Refused.class, () -> h.registry.announce(endpoint));
        assertEquals(List.of(), h.instances("ex"));
    }

    @Test
    void consumerUsesAreSignedReplacedAndRemoved() throws Exception
    {
        h.announceAndGrant(by(a, "trader", "trader-1")); // A owns the consumer's name
        final ConsumerUse use = use(a, "trader", 10, List.of(new HandlerUse("placeOrder", "00000000000000aa"),
            new HandlerUse("cancel", "00000000000000bb")));
        assertEquals(2, h.apply(() -> h.registry.recordUse(use)).handlers());
        final List<UseEntry> uses = h.registry.uses(new Name("exchange")).uses();
        assertEquals(2, uses.size());
        assertEquals("trader", uses.getFirst().consumer());
        assertEquals("host-a", uses.getFirst().host());

        assertThrows(NotOwner.class, () -> h.apply(() -> h.registry.recordUse(use(b, "trader", 11, List.of()))));
        final ConsumerUse forged = new ConsumerUse("exchange", "trader", "host-a", a.publicId(), START_MS + 12,
            b.sign(RegistrySignatures.use(use(a, "trader", 12, List.of()))), List.of());
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordUse(forged)));
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordUse(use)), "a replay is not newer");

        final ConsumerUse replaced = use(a, "trader", 13, List.of(new HandlerUse("cancel", "00000000000000cc")));
        h.apply(() -> h.registry.recordUse(replaced));
        assertEquals(List.of("cancel=00000000000000cc"), h.registry.uses(new Name("exchange")).uses().stream()
            .map(u -> u.handler() + "=" + u.fingerprint()).toList());
        assertEquals(0, h.apply(() -> h.registry.recordUse(use(a, "trader", 14, List.of()))).handlers());
        assertEquals(List.of(), h.registry.uses(new Name("exchange")).uses());
        assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordUse(replaced)),
            "replayed after the consumer emptied its record, an older use is still not newer");
        assertEquals(List.of(), h.registry.uses(new Name("exchange")).uses());

        // A consumer whose name nobody owns: the first key to record it keeps it.
        h.apply(() -> h.registry.recordUse(use(c, "cli", 20, List.of(new HandlerUse("quote", "00000000000000dd")))));
        assertThrows(NotOwner.class, () -> h.apply(() -> h.registry.recordUse(use(b, "cli", 21, List.of()))));
        assertEquals(1, h.registry.uses(new Name("exchange")).uses().size());

        // Signed long before the log's clock stamp: refused, whoever records it first.
        final Refused stale = assertThrows(Refused.class, () -> h.apply(() -> h.registry.recordUse(
            use(c, "batch", -Registry.WINDOW_MS - 1, List.of(new HandlerUse("quote", "00000000000000dd"))))));
        assertTrue(stale.getMessage().contains("older than the registry's clock stamp"), stale.getMessage());
    }

    /**
     * @param tick when it was issued, in ms after the harness clock's start.
     */
    private ConsumerUse use(final Identity key, final String consumer, final long tick,
        final List<HandlerUse> handlers)
    {
        final long issuedMs = START_MS + tick;
        final ConsumerUse unsigned = new ConsumerUse("exchange", consumer, "host-a", key.publicId(), issuedMs,
            new byte[0], handlers);
        return new ConsumerUse(unsigned.cell(), consumer, unsigned.host(), unsigned.identity(), issuedMs,
            key.sign(RegistrySignatures.use(unsigned)), handlers);
    }
}
