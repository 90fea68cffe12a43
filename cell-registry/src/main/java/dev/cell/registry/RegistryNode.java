package dev.cell.registry;

import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.CellBinding;
import dev.cell.runtime.service.Dispatcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One replica of the registry: a {@link Replica} of the {@link Registry} cell plus its lease keeper, a thread that,
 * while this replica leads, turns missed renewals into one expiry entry per tick and writes the digest entry, and its
 * host agent ({@link HostAgent}: announces this host's instances, writes the view this host's clients read). The
 * keeper proposes its entries as any client does, through the registry's own junction in this replica's cell home
 * (the replica forwards them to the leader); they are signed with the registry key, so only a registry replica can
 * expire a lease.
 * <p>
 * Ratis' leader lease is switched on for the group ({@code raft.server.read.leader.lease.enabled}): renewals and
 * announcements are linearizable reads, answered by the leader without a heartbeat round while its lease holds.
 * <pre>{@code
 * try (RegistryNode node = RegistryNode.start(cellDir, ReplicaOptions.defaults().withSlot(0)))
 * {
 *     node.awaitStop();
 * }
 * }</pre>
 *
 * @since 0.2
 */
public final class RegistryNode implements AutoCloseable
{
    /**
     * Set to {@code false} to run a replica without its host agent (no announcing of this host's instances, no
     * view files).
     */
    public static final String AGENT_PROPERTY = "cell.registry.agent";
    private static final String LEADER_LEASE = "raft.server.read.leader.lease.enabled";
    /**
     * Leases per expiry or digest entry: an entry is a request frame, which must fit a junction ring (128 KiB) with
     * instance ids of up to 128 characters.
     */
    private static final int PER_ENTRY = 400;

    private final Registry registry;
    private final Replica replica;
    private final RegistryConfig config;
    private final ClientOptions selfOptions;
    private final Thread keeperThread;
    private final HostAgent agent;
    private volatile boolean closed;
    private volatile boolean reconnect;
    private RegistryClient self;

    private RegistryNode(final Path cellDir, final ReplicaOptions options, final RegistryConfig config)
    {
        if (config.identity() == null || !config.registryKeys().contains(config.identity().publicId()))
        {
            throw new IllegalArgumentException("a registry node needs a registry key, listed in registryKeys");
        }
        this.config = config;
        final AtomicReference<Replica> started = new AtomicReference<>();
        this.registry = new Registry(config, () ->
        {
            final Replica r = started.get();
            return r != null && r.isLeader();
        });
        this.replica = Replica.start(new NodeBinding(registry), cellDir,
            options.withRaftProperty(LEADER_LEASE, "true"));
        started.set(replica);
        this.selfOptions = ClientOptions.defaults().withCellHome(options.server().cellHome())
            .withClientName("registry-keeper-" + replica.slot())
            .withConnectTimeout(Duration.ofSeconds(5))
            .withCallTimeout(Duration.ofSeconds(5));
        this.keeperThread = Thread.ofPlatform().daemon(true).name("registry-keeper-" + replica.slot())
            .start(this::keep);
        this.agent = Boolean.parseBoolean(System.getProperty(AGENT_PROPERTY, "true")) ?
            new HostAgent(options.server().cellHome(), registry::liveLeases, registry::allUses,
                registry::allReleases, replica.log()) : null;
    }

    /**
     * Start a registry replica with the default lease settings and the cell's identity
     * ({@code <cellDir>/.cell/identity/cell.key}) as its registry key.
     *
     * @param cellDir the registry's cell folder (shared by the replicas of one host).
     * @param options the replica's slot, cell home, Raft settings.
     * @return the running node.
     */
    public static RegistryNode start(final Path cellDir, final ReplicaOptions options)
    {
        final Path dir = cellDir.toAbsolutePath().normalize();
        return start(dir, options, RegistryConfig.defaults(Identity.loadOrCreate(AxonOptions.identityFileOf(dir))));
    }

    /**
     * @param cellDir the registry's cell folder.
     * @param options the replica's slot, cell home, Raft settings.
     * @param config  lease settings, registry keys (its own identity among them), clock.
     * @return the running node.
     * @throws IllegalArgumentException when the configuration has no identity or does not list its key.
     */
    public static RegistryNode start(final Path cellDir, final ReplicaOptions options, final RegistryConfig config)
    {
        return new RegistryNode(cellDir, options, config);
    }

    /**
     * The keeper: every tick, while this replica leads, propose what {@link LeaseKeeper#tick} decided.
     */
    private void keep()
    {
        final LeaseKeeper keeper = registry.keeper();
        final long tickNs = config.tick().toNanos();
        while (!closed)
        {
            LockSupport.parkNanos(tickNs);
            if (closed)
            {
                return;
            }
            if (reconnect)
            {
                // Asked for by a completion, which runs on the connection's own receiving thread: closing the
                // connection there would unmap its rings under that thread.
                reconnect = false;
                dropClient();
            }
            try
            {
                final LeaseKeeper.Plan plan = keeper.tick(registry::liveLeases);
                final List<ExpiredLease> expire = plan.expire();
                int from = 0;
                try
                {
                    for (; from < expire.size(); from += PER_ENTRY)
                    {
                        proposeExpiry(keeper, expire.subList(from, Math.min(expire.size(), from + PER_ENTRY)));
                    }
                }
                catch (final RuntimeException ex)
                {
                    // The batch that failed and those never sent: planned again next tick, not marked forever.
                    keeper.expiryDone(List.copyOf(expire.subList(from, expire.size())), false);
                    throw ex;
                }
                if (plan.loads() != null)
                {
                    // Always at least one digest: it carries the clock stamp readers judge staleness by.
                    int at = 0;
                    do
                    {
                        proposeDigest(keeper, plan.loads().subList(at, Math.min(plan.loads().size(),
                            at + PER_ENTRY)));
                        at += PER_ENTRY;
                    }
                    while (at < plan.loads().size());
                }
            }
            catch (final RuntimeException ex)
            {
                replica.log().warn("registry.keeper.failed", "error", String.valueOf(ex));
                dropClient();
            }
        }
    }

    private void proposeExpiry(final LeaseKeeper keeper, final List<ExpiredLease> chunk)
    {
        final List<ExpiredLease> leases = List.copyOf(chunk);
        final String signer = config.identity().publicId();
        final Expiry unsigned = new Expiry(config.clock().epochMs(), signer, new byte[0], leases);
        final Expiry signed = new Expiry(unsigned.leaderMs(), signer,
            config.identity().sign(RegistrySignatures.expiry(unsigned)), leases);
        client().expireAsync(signed).whenComplete((done, error) ->
        {
            keeper.expiryDone(leases, error == null);
            if (error != null)
            {
                replica.log().warn("registry.expiry.failed", "leases", leases.size(), "error", String.valueOf(error));
                reconnect = true;
            }
            else
            {
                replica.log().info("registry.expired", "leases", leases.size(), "removed", done.removed());
            }
        });
    }

    private void proposeDigest(final LeaseKeeper keeper, final List<LoadReport> chunk)
    {
        final List<LoadReport> loads = List.copyOf(chunk);
        final String signer = config.identity().publicId();
        final Digest unsigned = new Digest(config.clock().epochMs(), signer, new byte[0], loads);
        final Digest signed = new Digest(unsigned.leaderMs(), signer,
            config.identity().sign(RegistrySignatures.digest(unsigned)), loads);
        keeper.digestStarted();
        final CompletableFuture<Digested> sent;
        try
        {
            sent = client().digestAsync(signed);
        }
        catch (final RuntimeException ex)
        {
            keeper.digestDone();
            throw ex;
        }
        sent.whenComplete((done, error) ->
        {
            keeper.digestDone();
            if (error != null)
            {
                replica.log().warn("registry.digest.failed", "error", String.valueOf(error));
                reconnect = true;
            }
        });
    }

    private synchronized RegistryClient client()
    {
        if (self == null)
        {
            self = RegistryClient.connect(selfOptions);
        }
        return self;
    }

    private synchronized void dropClient()
    {
        if (self != null)
        {
            self.close();
            self = null;
        }
    }

    Registry registry()
    {
        return registry;
    }

    /**
     * @return the replica underneath (slot, leadership, applied index, leadership transfer).
     */
    public Replica replica()
    {
        return replica;
    }

    /**
     * @return true while this replica leads the registry group.
     */
    public boolean isLeader()
    {
        return replica.isLeader();
    }

    /**
     * @return renewals this replica took (while it led) since it started.
     */
    public long renewals()
    {
        return registry.keeper().renewals();
    }

    /**
     * @return leases this replica expired through committed expiry entries since it started.
     */
    public long expired()
    {
        return registry.keeper().expired();
    }

    /**
     * @return the lease settings.
     */
    public RegistryConfig config()
    {
        return config;
    }

    /**
     * Block until the replica stopped.
     *
     * @throws InterruptedException when interrupted.
     */
    public void awaitStop() throws InterruptedException
    {
        replica.awaitStop();
    }

    @Override
    public void close()
    {
        if (agent != null)
        {
            agent.close(); // revokes this host's leases while the replica can still forward them
        }
        closed = true;
        LockSupport.unpark(keeperThread);
        try
        {
            keeperThread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        dropClient();
        replica.close();
    }

    /**
     * The generated binding, except that the replica gets this node's registry (with its configuration and keeper)
     * instead of a new one.
     */
    private static final class NodeBinding implements CellBinding<Registry>
    {
        private final RegistryBinding generated = new RegistryBinding();
        private final Registry registry;

        NodeBinding(final Registry registry)
        {
            this.registry = registry;
        }

        @Override
        public String cellName()
        {
            return generated.cellName();
        }

        @Override
        public Genome genome()
        {
            return generated.genome();
        }

        @Override
        public Registry newCell()
        {
            return registry;
        }

        @Override
        public Dispatcher dispatcher(final Registry cell)
        {
            return generated.dispatcher(cell);
        }
    }
}
