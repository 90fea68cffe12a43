package dev.cell.registry;

import dev.cell.ledger.Ledger;
import dev.cell.runtime.CellError;
import dev.cell.runtime.identity.Identity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One registry state machine over a real {@link Ledger}, driven the way the raft module applies entries (begin,
 * handler, commit; a declared error keeps nothing since the handlers check before writing), with a manual clock and
 * a leadership switch. Test support.
 */
final class Harness implements AutoCloseable
{
    /**
     * A handler call inside an apply.
     *
     * @param <T> its result.
     */
    interface Call<T>
    {
        T run() throws CellError;
    }

    /**
     * Clocks that move only when told.
     */
    static final class ManualClock implements RegistryClock
    {
        static final long START_MS = 1_800_000_000_000L;

        long epoch = START_MS;
        long mono = 1_000_000L;

        @Override
        public long epochMs()
        {
            return epoch;
        }

        @Override
        public long monotonicMs()
        {
            return mono;
        }

        void advance(final long ms)
        {
            epoch += ms;
            mono += ms;
        }
    }

    static final byte[] ENTRY = {0x10, 1, 2, 3};

    final Path dir;
    final Ledger ledger;
    final Registry registry;
    final ManualClock clock = new ManualClock();
    final Identity key;
    boolean leader = true;
    private long index;

    Harness(final Path root, final String name, final Identity key) throws IOException
    {
        this.dir = root.resolve(name);
        Files.createDirectories(dir);
        this.key = key;
        this.ledger = Ledger.open(dir.resolve("ledger"));
        final RegistryConfig config = new RegistryConfig(Duration.ofMillis(250), 4, Duration.ofSeconds(1),
            Duration.ofMillis(50), key, Set.of(key.publicId()), clock);
        this.registry = new Registry(config, () -> leader);
        registry.attach(ledger.state(), ledger.journal());
    }

    static Identity identity(final Path root, final String name)
    {
        return Identity.loadOrCreate(root.resolve("keys").resolve(name + ".key"));
    }

    /**
     * Apply one entry: its handler runs between the ledger's begin and commit, as on every replica.
     */
    <T> T apply(final Call<T> call) throws CellError
    {
        if (!ledger.begin(++index, 1))
        {
            throw new IllegalStateException("index " + index + " applied already");
        }
        try
        {
            final T result = call.run();
            ledger.commit(ByteBuffer.wrap(ENTRY));
            return result;
        }
        catch (final CellError ex)
        {
            ledger.commit(ByteBuffer.wrap(ENTRY));
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            ledger.discardWrites();
            ledger.commit(ByteBuffer.wrap(ENTRY));
            throw ex;
        }
    }

    /**
     * @return a signed announcement (no ticket) of an instance of {@code cell} reachable by axon.
     */
    static Announcement announcement(final Identity signer, final String identity, final String cell,
        final String instanceId, final long issuedMs, final List<String> owners)
    {
        final List<Owner> o = new ArrayList<>();
        owners.forEach(k -> o.add(new Owner(k)));
        final byte[] nonce = new byte[16];
        nonce[0] = (byte)instanceId.hashCode();
        nonce[1] = (byte)issuedMs;
        final Announcement unsigned = new Announcement(cell, "1.0.0", "0123456789abcdef", instanceId, "host-a",
            "eu-1", "", "10.0.0.1:7400", identity, o, nonce, issuedMs, new byte[0], 0, new byte[0]);
        return resign(unsigned, signer);
    }

    static Announcement resign(final Announcement a, final Identity signer)
    {
        return new Announcement(a.cell(), a.version(), a.fingerprint(), a.instanceId(), a.host(), a.region(),
            a.junction(), a.axon(), a.identity(), a.owners(), a.nonce(), a.issuedMs(),
            signer.sign(RegistrySignatures.announcement(a)), a.admittedMs(), a.ticket());
    }

    /**
     * @return {@code a} with a ticket the registry key signs directly (what a leader that admitted it would give).
     */
    Announcement ticketed(final Announcement a, final long admittedMs)
    {
        return RegistryLease.withTicket(a, new Ticket(admittedMs, key.sign(RegistrySignatures.ticket(a, admittedMs)),
            1000, 250));
    }

    /**
     * Announce (the leader's check) and grant (the log entry), as an instance does.
     */
    Lease announceAndGrant(final Announcement a) throws CellError
    {
        final Ticket t = registry.announce(a);
        return apply(() -> registry.grant(RegistryLease.withTicket(a, t)));
    }

    Expiry expiry(final List<ExpiredLease> leases)
    {
        final Expiry unsigned = new Expiry(clock.epochMs(), key.publicId(), new byte[0], leases);
        return new Expiry(unsigned.leaderMs(), unsigned.signer(), key.sign(RegistrySignatures.expiry(unsigned)),
            leases);
    }

    Digest digest(final List<LoadReport> loads)
    {
        final Digest unsigned = new Digest(clock.epochMs(), key.publicId(), new byte[0], loads);
        return new Digest(unsigned.leaderMs(), unsigned.signer(), key.sign(RegistrySignatures.digest(unsigned)),
            loads);
    }

    List<InstanceInfo> instances(final String cell)
    {
        final List<InstanceInfo> all = new ArrayList<>();
        String after = "";
        do
        {
            final Instances page = registry.instances(new Lookup(cell, "", "", after, 0));
            all.addAll(page.instances());
            after = page.next();
        }
        while (!after.isEmpty());
        return all;
    }

    static Path tmp(final String name) throws IOException
    {
        final Path root = Path.of(System.getProperty("cell.test.tmp", System.getProperty("java.io.tmpdir")))
            .resolve(name + "-" + System.nanoTime());
        Files.createDirectories(root);
        return root;
    }

    static void deleteTree(final Path root) throws IOException
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        try (Stream<Path> s = Files.walk(root))
        {
            for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public void close()
    {
        ledger.close();
    }
}
