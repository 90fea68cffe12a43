package dev.cell.registry;

import dev.cell.ledger.PrivateFiles;
import dev.cell.raft.GroupJoin;
import dev.cell.raft.GroupMember;
import dev.cell.raft.Replica;
import dev.cell.raft.ReplicaOptions;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The registry across hosts: one replica per host, voters on a few, listeners (non-voting, full state, local reads)
 * on the rest, Ratis over gRPC with the group's mutual TLS between them. The group is defined once
 * ({@link #define}) and its folder copied to every other host ({@link #copy}: the group file with every member's
 * address, the entry key, the TLS key and certificate and the registry key, all 0600); each host then runs its slot
 * ({@link #main}). A voter silent for {@code --promote-after-ms} swaps roles with a listener that answers.
 * <p>
 * A host can also join a running group as a listener without copying files by hand: a member host started with
 * {@code --join-listen host:port} serves {@link RegistryJoin} over an axon there; {@code cell registry invite} on it
 * prints a one-time token ({@link GroupJoin#invite}); the new host runs {@code --join <endpoint> --key <registry key>
 * --token <token> --listen <its host:port>} ({@link #join}): it gets a listener slot and the group's files over the
 * encrypted axon, checks that the files' registry key is the one it pinned, starts its replica and has the group
 * take it in ({@link GroupJoin#admitListener}). Without {@code --join}, the endpoints in {@code CELL_SEEDS}
 * (comma-separated) are tried in turn; with {@code --join multicast} the joiner listens on the interface of its
 * {@code --listen} address for a {@link RegistryBeacon} signed by the pinned key, which a host serving joins on a
 * concrete address sends every second (unless {@code --beacon off}). A host that joined prints its slot ({@code registry
 * ready slot=N (joined as a listener)}) and restarts later as any member does, with {@code --dir} and {@code --slot N}.
 *
 * @since 0.3
 */
public final class RegistryHost
{
    /**
     * The environment variable naming member hosts' join endpoints ({@code host:port,...}).
     */
    public static final String SEEDS_ENV = "CELL_SEEDS";

    private RegistryHost()
    {
    }

    /**
     * Serve joins for this host's registry folder over an axon at {@code listen}, and write the endpoint to
     * {@code <replicas>/join.endpoint} for {@code cell registry invite}.
     *
     * @param cellDir the registry folder.
     * @param home    the cell home its instance registers in.
     * @param listen  {@code host:port} (port 0: any free one).
     * @return the running join cell.
     */
    public static CellServer serveJoins(final Path cellDir, final Path home, final String listen)
    {
        final Path dir = cellDir.toAbsolutePath().normalize();
        final RegistryJoinBinding binding = new RegistryJoinBinding();
        final String id = "registry-join-" + ProcessHandle.current().pid();
        ServerOptions options = ServerOptions.defaults().withInstanceId(id)
            .withAxon(new AxonOptions(listen, false, java.util.Set.of(), null));
        if (home != null)
        {
            options = options.withCellHome(home);
        }
        final CellServer server = CellServer.start(binding.cellName(), binding.genome(),
            binding.dispatcher(new RegistryJoin(dir)), null, dir, options);
        final Path home0 = home != null ? home : dev.cell.runtime.client.CellHome.resolve();
        final String endpoint = dev.cell.runtime.discovery.InstanceRegistry.live(home0, binding.cellName()).stream()
            .filter(r -> r.instanceId().equals(id)).map(dev.cell.runtime.discovery.InstanceRecord::axon).findFirst()
            .orElse(listen);
        try
        {
            PrivateFiles.writeAtomically(dir.resolve(".cell").resolve("replicas").resolve(GroupJoin.JOIN_ENDPOINT),
                endpoint.getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
        }
        catch (final IOException ex)
        {
            server.close();
            throw new UncheckedIOException("cannot write the join endpoint under " + dir, ex);
        }
        return server;
    }

    /**
     * Join a running registry group as a listener: ask a member host's join cell, pinning its registry key, and
     * install what it grants in {@code cellDir} (group files and the registry key, all 0600).
     *
     * @param endpoint the member host's join endpoint ({@code host:port}).
     * @param key      the registry key it must prove ({@code ed25519:...}).
     * @param token    the token its {@code cell registry invite} printed.
     * @param cellDir  this host's registry folder (no group in it yet).
     * @param home     this host's cell home.
     * @param host     the address the other hosts reach this host's Raft port at.
     * @param port     this host's Raft port.
     * @return this host's slot.
     * @throws JoinRefused when the member host refused the token or the address.
     */
    public static int join(final String endpoint, final String key, final String token, final Path cellDir,
        final Path home, final String host, final int port) throws JoinRefused
    {
        final Path dir = cellDir.toAbsolutePath().normalize();
        ClientOptions options = ClientOptions.defaults().withClientName("registry-join")
            .withEndpoint(dev.cell.runtime.client.Endpoint.parse(endpoint, key))
            .withConnectTimeout(Duration.ofSeconds(5)).withCallTimeout(Duration.ofSeconds(10));
        if (home != null)
        {
            options = options.withCellHome(home);
        }
        final JoinGrant grant;
        try (RegistryJoinClient client = RegistryJoinClient.connect(options))
        {
            grant = client.join(new JoinRequest(token, host, port));
        }
        GroupJoin.installGroup(dir, new GroupJoin.Files(grant.groupProperties(), grant.groupSecret(),
            grant.tlsKey(), grant.tlsCertificate()));
        try
        {
            PrivateFiles.createDirectories(dir);
            PrivateFiles.writeAtomically(dir.resolve("cell.toml"), grant.cellToml(), true);
            final Path identity = AxonOptions.identityFileOf(dir);
            PrivateFiles.createDirectories(identity.getParent());
            PrivateFiles.writeAtomically(identity, grant.registryKey(), true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the registry's files under " + dir, ex);
        }
        final String got = Identity.loadOrCreate(AxonOptions.identityFileOf(dir)).publicId();
        if (!got.equals(key))
        {
            throw new IllegalStateException("the member host sent registry key " + got + ", not the pinned " + key);
        }
        return grant.slot();
    }

    /**
     * Define the registry group in {@code cellDir}: its members with their addresses, new group secrets and the
     * registry key (the cell identity, {@code .cell/identity/cell.key}), which every replica must share.
     *
     * @param cellDir the registry's cell folder on this host.
     * @param members voters and listeners.
     */
    public static void define(final Path cellDir, final List<GroupMember> members)
    {
        final Path dir = cellDir.toAbsolutePath().normalize();
        try
        {
            PrivateFiles.createDirectories(dir);
            final Path toml = dir.resolve("cell.toml");
            if (!Files.exists(toml))
            {
                Files.writeString(toml, "[cell]\nname = \"registry\"\n[state]\nreplicas = " + members.size() + "\n");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot create " + dir, ex);
        }
        Replica.defineGroup(dir, members);
        Identity.loadOrCreate(AxonOptions.identityFileOf(dir));
    }

    /**
     * Copy the registry group (definition, secrets, registry key; no replica's data) to another host's registry
     * folder.
     *
     * @param fromCellDir where it was defined (or copied to).
     * @param toCellDir   the other host's registry folder.
     */
    public static void copy(final Path fromCellDir, final Path toCellDir)
    {
        final Path from = fromCellDir.toAbsolutePath().normalize();
        final Path to = toCellDir.toAbsolutePath().normalize();
        try
        {
            PrivateFiles.createDirectories(to);
            PrivateFiles.writeAtomically(to.resolve("cell.toml"), Files.readAllBytes(from.resolve("cell.toml")), true);
            final Path key = AxonOptions.identityFileOf(to);
            PrivateFiles.createDirectories(key.getParent());
            PrivateFiles.writeAtomically(key, Files.readAllBytes(AxonOptions.identityFileOf(from)), true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot copy the registry from " + from + " to " + to, ex);
        }
        Replica.copyGroup(from, to);
    }

    /**
     * Run this host's registry replica until it is stopped (SIGTERM: a clean stop). Prints {@code registry ready
     * slot=<n>} once it serves.
     * <pre>
     * --dir &lt;registry cell folder&gt; --slot &lt;n&gt; [--home &lt;cell home&gt;] [--promote-after-ms 3000]
     * [--renew-ms 250] [--misses 4] [--election-ms 400] [--join-listen host:port]
     * --dir &lt;registry cell folder&gt; [--join host:port] --key &lt;registry key&gt; --token &lt;token&gt;
     * --listen &lt;this host's Raft host:port&gt; [...]
     * </pre>
     * The second form joins first ({@link #join}; without {@code --join}, each of {@code CELL_SEEDS} in turn), then
     * runs the slot it was given and has the group take it in.
     *
     * @param args as above.
     * @throws InterruptedException when interrupted while serving.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        Path dir = null;
        Path home = null;
        int slot = -1;
        long promoteAfterMs = 3_000;
        long renewMs = 250;
        int misses = 4;
        long electionMs = 400;
        String joinListen = null;
        String joinAt = null;
        String key = null;
        String token = null;
        String listen = null;
        boolean beacon = true;
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            final String value = args[i + 1];
            switch (args[i])
            {
                case "--dir" -> dir = Path.of(value);
                case "--home" -> home = Path.of(value);
                case "--slot" -> slot = Integer.parseInt(value);
                case "--promote-after-ms" -> promoteAfterMs = Long.parseLong(value);
                case "--renew-ms" -> renewMs = Long.parseLong(value);
                case "--misses" -> misses = Integer.parseInt(value);
                case "--election-ms" -> electionMs = Long.parseLong(value);
                case "--join-listen" -> joinListen = value;
                case "--join" -> joinAt = value;
                case "--key" -> key = value;
                case "--token" -> token = value;
                case "--listen" -> listen = value;
                case "--beacon" -> beacon = !value.equals("off");
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        final boolean joining = token != null;
        if (joining && dir != null && key != null && listen != null && listen.lastIndexOf(':') > 0)
        {
            slot = joinAny(joinAt, key, token, dir, home, listen);
        }
        if (dir == null || slot < 0 || args.length % 2 != 0)
        {
            throw new IllegalArgumentException("usage: --dir <registry folder> --slot <n> [--home <cell home>] " +
                "[--promote-after-ms ms] [--renew-ms ms] [--misses n] [--election-ms ms] [--join-listen host:port]; " +
                "or, to join: --dir <registry folder> [--join host:port] --key <registry key> --token <token> " +
                "--listen <host:port> [...]");
        }
        final Path cellDir = dir.toAbsolutePath().normalize();
        ServerOptions server = ServerOptions.defaults().withInstanceId("registry-r" + slot);
        if (home != null)
        {
            server = server.withCellHome(home);
        }
        final RegistryConfig config = RegistryConfig.defaults(Identity.loadOrCreate(AxonOptions.identityFileOf(
            cellDir))).withRenewEvery(Duration.ofMillis(renewMs), misses);
        final RegistryNode node = RegistryNode.start(cellDir, ReplicaOptions.defaults().withSlot(slot)
            .withServer(server).withElectionMs(electionMs).withPromoteAfterMs(promoteAfterMs), config);
        final CellServer joins = joinListen == null ? null : serveJoins(cellDir, home, joinListen);
        final RegistryBeacon beaconing = joins == null || !beacon ? null : beacon(cellDir, config.identity());
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            if (beaconing != null)
            {
                beaconing.close();
            }
            if (joins != null)
            {
                joins.close();
            }
            node.close();
        }, "registry-stop"));
        if (joining)
        {
            admit(cellDir, slot);
        }
        System.out.println("registry ready slot=" + slot + (joining ? " (joined as a listener)" : ""));
        node.awaitStop();
    }

    private static int joinAny(final String joinAt, final String key, final String token, final Path dir,
        final Path home, final String listen)
    {
        final int colon = listen.lastIndexOf(':');
        final String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        final int port = Integer.parseInt(listen.substring(colon + 1));
        final String seeds = "multicast".equals(joinAt) ? discover(host, key) :
            joinAt != null ? joinAt : System.getenv(SEEDS_ENV);
        if (seeds == null || seeds.isBlank())
        {
            throw new IllegalArgumentException("--token needs --join <host:port>, --join multicast or " + SEEDS_ENV);
        }
        RuntimeException last = null;
        for (final String seed : seeds.split(","))
        {
            try
            {
                return join(seed.strip(), key, token, dir, home, host, port);
            }
            catch (final JoinRefused ex)
            {
                throw new IllegalStateException(seed.strip() + ": " + ex.getMessage(), ex);
            }
            catch (final RuntimeException ex)
            {
                last = ex; // that seed did not answer: the next one
            }
        }
        throw new IllegalStateException("no seed of " + seeds + " answered: " + last.getMessage(), last);
    }

    /**
     * Have the group take this host's running replica in, retrying while the group is busy (an election, another
     * configuration change), for at most 30 s.
     */
    static void admit(final Path dir, final int slot) throws InterruptedException
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (true)
        {
            try
            {
                GroupJoin.admitListener(dir, slot);
                return;
            }
            catch (final RuntimeException ex)
            {
                if (System.nanoTime() > deadline)
                {
                    throw ex;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * Send beacons for this host's join endpoint on its interface, when it is bound to one address.
     */
    private static RegistryBeacon beacon(final Path cellDir, final Identity registryKey)
    {
        try
        {
            final String endpoint = Files.readString(cellDir.resolve(".cell").resolve("replicas")
                .resolve(GroupJoin.JOIN_ENDPOINT)).strip();
            final java.net.InetAddress via = java.net.InetAddress.getByName(endpoint.substring(0,
                endpoint.lastIndexOf(':')).replace("[", "").replace("]", ""));
            if (via.isAnyLocalAddress())
            {
                System.out.println("registry beacon off: joins are served on every interface; bind --join-listen " +
                    "to one address to send beacons on it");
                return null;
            }
            final RegistryBeacon b = RegistryBeacon.start(registryKey, endpoint, via, new java.net.InetSocketAddress(
                RegistryBeacon.GROUP, RegistryBeacon.PORT), Duration.ofSeconds(1));
            System.out.println("registry beacon on " + via.getHostAddress() + " -> " + RegistryBeacon.GROUP + ":" +
                RegistryBeacon.PORT);
            return b;
        }
        catch (final IOException ex)
        {
            System.out.println("registry beacon off: " + ex.getMessage());
            return null;
        }
    }

    /**
     * Listen on the interface of {@code host} for a beacon signed by {@code key}, for at most 10 s.
     *
     * @return its join endpoint.
     */
    private static String discover(final String host, final String key)
    {
        try
        {
            final List<RegistryBeacon.Heard> heard = RegistryBeacon.listen(java.net.InetAddress.getByName(host),
                new java.net.InetSocketAddress(RegistryBeacon.GROUP, RegistryBeacon.PORT), key, Duration.ofSeconds(10));
            if (heard.isEmpty())
            {
                throw new IllegalStateException("no beacon signed by " + key + " heard on " + host + " within 10 s " +
                    "(multicast may not cross this network: use --join <host:port>)");
            }
            System.out.println("registry beacon heard: " + heard.getFirst().endpoint() + " from " +
                heard.getFirst().from());
            return heard.getFirst().endpoint();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot listen for beacons on " + host, ex);
        }
    }
}
