package dev.cell.registry;

import dev.cell.ledger.PrivateFiles;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.service.AxonOptions;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The registry replica's work for its host, so that no instance and no client needs the registry's code:
 * <ul>
 * <li><b>announcing</b>: every live instance of this host with an axon endpoint (its run file, as {@code cell ps}
 * sees it) is announced with its own identity (its cell's key, which the agent, running as the same user, reads from
 * the cell folder), renewed while its process lives, and revoked the moment its run file is gone or its process
 * died: a clean stop and a crash both leave every host's list within one scan (250 ms) and a commit, not a TTL;</li>
 * <li><b>the view</b>: what this replica applied, every cell's live instances, written to
 * {@code $CELL_HOME/registry/view/<cell>} ({@link RegistryView}, 0600) whenever it changes and at least every
 * second, which this host's clients read to reach instances on other hosts;</li>
 * <li><b>uses</b>: what this host's live consumers use of each producer ({@link ConsumerRegistry}, written by their
 * clients when they connect) is recorded in the registry, signed by the consumer's cell key when the consumer is an
 * instance of this host, else by the host's key, and recorded empty once its last process is gone; and every
 * host's recorded uses are written to {@code $CELL_HOME/registry/uses/<cell>}, which a producer's build on this host
 * checks ({@link RegistryView#uses});</li>
 * <li><b>releases</b>: signed release manifests offered on this host are recorded ({@link ReleaseDesk}), and the
 * releases every host agreed are written to {@code $CELL_HOME/registry/releases}.</li>
 * </ul>
 * One agent works per cell home (a file lock, {@code $CELL_HOME/registry/agent.lock}); the agents of other replicas
 * sharing the home wait and take over when it is released. An instance whose process hangs is renewed all the same
 * (its process lives): a hung instance is the racing client's to avoid, by its latency and heartbeats.
 */
final class HostAgent implements AutoCloseable
{
    private static final long SCAN_NS = 250_000_000L;
    private static final long REWRITE_MS = 1_000;

    private final Path home;
    private final String hostLabel;
    private final String region;
    private final ClientOptions local;
    private final Supplier<List<RegistryState.StoredLease>> applied;
    private final Supplier<Map<String, List<RegistryState.StoredUse>>> uses;
    private final Map<String, Recorded> recordedUses = new HashMap<>();
    private final Map<String, String> writtenUses = new HashMap<>();
    private final ReleaseDesk releases;
    private RegistryClient client;
    private final CellLog log;
    private final Map<String, RegistryLease> leases = new ConcurrentHashMap<>();
    private final Map<String, String> written = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private long writtenMs;

    HostAgent(final Path home, final Supplier<List<RegistryState.StoredLease>> applied,
        final Supplier<Map<String, List<RegistryState.StoredUse>>> uses,
        final Supplier<List<RegistryState.StoredRelease>> releases, final CellLog log)
    {
        this.releases = new ReleaseDesk(home, releases, log);
        this.home = home;
        this.hostLabel = RegistryView.hostLabel();
        this.region = System.getenv().getOrDefault("CELL_REGION", "");
        this.local = ClientOptions.defaults().withCellHome(home).withClientName("registry-agent")
            .withConnectTimeout(Duration.ofSeconds(2)).withCallTimeout(Duration.ofSeconds(2));
        this.applied = applied;
        this.uses = uses;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon(true).name("registry-agent").start(this::run);
    }

    private void run()
    {
        FileChannel lockFile = null;
        FileLock held = null;
        while (!closed)
        {
            try
            {
                if (held == null)
                {
                    // One agent per cell home: several replicas on one host (a single-host group) would otherwise
                    // announce each instance several times, each announcement replacing the other's lease.
                    PrivateFiles.createDirectories(RegistryView.dir(home).getParent());
                    lockFile = PrivateFiles.openForWrite(RegistryView.dir(home).getParent().resolve("agent.lock"));
                    held = tryLock(lockFile);
                    if (held == null)
                    {
                        lockFile.close();
                    }
                }
                if (held != null)
                {
                    announceLocal();
                    recordUses();
                    releases.sendOffered(this::recordRelease);
                    writeFiles();
                }
            }
            catch (final IOException ex)
            {
                log.warn("registry.agent.lock.failed", "error", String.valueOf(ex));
            }
            catch (final RuntimeException ex)
            {
                log.warn("registry.agent.failed", "error", String.valueOf(ex));
            }
            LockSupport.parkNanos(SCAN_NS);
        }
        if (lockFile != null)
        {
            try
            {
                lockFile.close(); // releases the lock: another replica's agent takes over
            }
            catch (final IOException ignore)
            {
                // closed with the process anyway
            }
        }
    }

    private static FileLock tryLock(final FileChannel ch) throws IOException
    {
        try
        {
            return ch.tryLock();
        }
        catch (final OverlappingFileLockException heldInThisJvm)
        {
            return null;
        }
    }

    private void announceLocal()
    {
        final Set<String> live = new HashSet<>();
        for (final InstanceRecord r : InstanceRegistry.live(home))
        {
            if (r.axon() == null || r.axon().isBlank() || r.cell().equals("registry") ||
                r.cell().equals("registry-join") || r.cellDir() == null)
            {
                continue;
            }
            final String key = r.cell() + "\u0000" + r.instanceId();
            live.add(key);
            if (!leases.containsKey(key))
            {
                final RegistryLease lease = new RegistryLease(Identity.loadOrCreate(
                    AxonOptions.identityFileOf(r.cellDir())), new RegistryLease.Spec(r.cell(), version(r),
                    r.fingerprint(), r.instanceId(), hostLabel, region, r.runDir().toString(), r.axon(), List.of()),
                    List.of(local));
                leases.put(key, lease);
                Thread.ofVirtual().name("registry-announce").start(() -> announce(lease, r));
            }
        }
        for (final Map.Entry<String, RegistryLease> e : leases.entrySet())
        {
            if (!live.contains(e.getKey()) && leases.remove(e.getKey(), e.getValue()))
            {
                Thread.ofVirtual().name("registry-revoke").start(e.getValue()::close);
            }
        }
    }

    /**
     * @return the contract version of the genome an instance serves (its run folder's {@code genome.json}, written
     * before it registers), "0" when it cannot be read.
     */
    static String version(final InstanceRecord r)
    {
        final java.nio.file.Path file = r.runDir().resolve(dev.cell.runtime.service.HandlerSlots.GENOME_FILE);
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file))
        {
            final byte[] bytes = in.readNBytes(1 << 20);
            final String v = dev.cell.runtime.genome.Genome.fromJson(new String(bytes,
                java.nio.charset.StandardCharsets.UTF_8)).version();
            return v.matches("[0-9A-Za-z.+-]{1,64}") ? v : "0"; // what an announcement may carry
        }
        catch (final java.io.IOException | RuntimeException unreadable)
        {
            return "0";
        }
    }

    private void announce(final RegistryLease lease, final InstanceRecord r)
    {
        try
        {
            lease.announce();
            lease.startRenewing(new InstanceLoad(r.runDir(), System::nanoTime));
            log.info("registry.announced", "cell", r.cell(), "instance", r.instanceId(), "axon", r.axon());
        }
        catch (final Exception ex)
        {
            // Dropped: the next scan announces it again (a replica that is not ready yet, a name it may not use).
            log.warn("registry.announce.failed", "cell", r.cell(), "instance", r.instanceId(), "error",
                String.valueOf(ex));
            leases.remove(r.cell() + "\u0000" + r.instanceId(), lease);
            lease.close();
        }
    }

    /**
     * Record in the registry what changed in this host's consumers' uses since the last scan.
     */
    private void recordUses()
    {
        final Map<String, Map<String, String>> now = new TreeMap<>();
        final Map<String, Long> pids = new HashMap<>();
        final Path consumers = ConsumerRegistry.dir(home, "x").getParent();
        if (Files.isDirectory(consumers))
        {
            try (DirectoryStream<Path> cells = Files.newDirectoryStream(consumers))
            {
                for (final Path cell : cells)
                {
                    for (final ConsumerRegistry.Consumer c : ConsumerRegistry.live(home, cell.getFileName().toString()))
                    {
                        if (Checks.name("consumer", c.consumer()) == null && Checks.name("cell", c.cell()) == null)
                        {
                            final String key = c.cell() + "\u0000" + c.consumer();
                            now.computeIfAbsent(key, k -> new TreeMap<>()).putAll(c.handlers());
                            pids.putIfAbsent(key, c.pid());
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                log.warn("registry.uses.scan.failed", "dir", consumers.toString(), "error", String.valueOf(ex));
            }
        }
        for (final Map.Entry<String, Map<String, String>> e : now.entrySet())
        {
            final Recorded before = recordedUses.get(e.getKey());
            if (before == null || !before.handlers().equals(e.getValue()))
            {
                final Identity signer = before != null ? before.signer() : signer(pids.get(e.getKey()));
                if (recordUse(e.getKey(), e.getValue(), signer))
                {
                    recordedUses.put(e.getKey(), new Recorded(e.getValue(), signer));
                }
            }
        }
        for (final Map.Entry<String, Recorded> gone : Set.copyOf(recordedUses.entrySet()))
        {
            if (!now.containsKey(gone.getKey()) && recordUse(gone.getKey(), Map.of(), gone.getValue().signer()))
            {
                recordedUses.remove(gone.getKey());
            }
        }
    }

    /**
     * @return true when the registry took the record or refused it for good (it is not sent again until it changes),
     * false when no replica answered (sent again at the next scan).
     */
    private boolean recordUse(final String key, final Map<String, String> handlers, final Identity signer)
    {
        final String cell = key.substring(0, key.indexOf('\u0000'));
        final String consumer = key.substring(key.indexOf('\u0000') + 1);
        final List<HandlerUse> list = new java.util.ArrayList<>();
        handlers.forEach((h, f) -> list.add(new HandlerUse(h, f)));
        final ConsumerUse unsigned = new ConsumerUse(cell, consumer, hostLabel, signer.publicId(),
            System.currentTimeMillis(), new byte[0], list);
        final ConsumerUse signed = new ConsumerUse(cell, consumer, hostLabel, signer.publicId(), unsigned.issuedMs(),
            signer.sign(RegistrySignatures.use(unsigned)), list);
        try
        {
            client().recordUse(signed);
            log.info("registry.use.recorded", "cell", cell, "consumer", consumer, "handlers", list.size());
            return true;
        }
        catch (final NotOwner | Refused ex)
        {
            log.warn("registry.use.refused", "cell", cell, "consumer", consumer, "error", String.valueOf(ex));
            return true;
        }
        catch (final RuntimeException ex)
        {
            return unanswered();
        }
    }

    private RegistryClient client()
    {
        if (client == null)
        {
            client = RegistryClient.connect(local);
        }
        return client;
    }

    /**
     * @return false, after dropping the client (no replica answered: it connects again next time).
     */
    private boolean unanswered()
    {
        if (client != null)
        {
            client.close();
            client = null;
        }
        return false;
    }

    private boolean recordRelease(final ReleaseRecord record, final Path from)
    {
        try
        {
            final ReleaseRecorded r = client().recordRelease(record);
            log.info("registry.release.recorded", "file", from.getFileName().toString(), "added", r.added(),
                "index", r.recordedIndex());
            return true;
        }
        catch (final Refused ex)
        {
            log.warn("registry.release.refused", "file", from.getFileName().toString(), "error", ex.reason());
            return true;
        }
        catch (final RuntimeException ex)
        {
            return unanswered();
        }
    }

    /**
     * What was recorded for a consumer of a cell, and with which key (its removal is signed with the same).
     */
    private record Recorded(Map<String, String> handlers, Identity signer)
    {
    }

    /**
     * @return the key a consumer's uses are signed with: its cell's when it is an instance on this host, else this
     * host's.
     */
    private Identity signer(final long pid)
    {
        for (final InstanceRecord r : InstanceRegistry.live(home))
        {
            if (r.pid() == pid && r.cellDir() != null)
            {
                return Identity.loadOrCreate(AxonOptions.identityFileOf(r.cellDir()));
            }
        }
        return Identity.host(home);
    }

    private void writeFiles()
    {
        final TreeMap<String, StringBuilder> views = new TreeMap<>();
        for (final RegistryState.StoredLease l : applied.get())
        {
            if (!l.axon().isEmpty())
            {
                views.computeIfAbsent(l.cell(), c -> new StringBuilder())
                    .append(RegistryView.line(l.instanceId(), l.axon(), l.identity(), l.fingerprint(), l.host(),
                        l.region(), new RegistryView.Load(l.p50Us(), l.p99Us(), l.queueDepth(), l.callsPerSecond()),
                        l.version()));
            }
        }
        final TreeMap<String, StringBuilder> used = new TreeMap<>();
        uses.get().forEach((cell, list) ->
        {
            final StringBuilder b = used.computeIfAbsent(cell, c -> new StringBuilder());
            for (final RegistryState.StoredUse u : list)
            {
                for (final HandlerUse h : u.handlers())
                {
                    b.append(RegistryView.useLine(u.consumer(), u.host(), u.identity(), h.handler(), h.fingerprint()));
                }
            }
        });
        final long now = System.currentTimeMillis();
        final boolean rewrite = now - writtenMs >= REWRITE_MS;
        write(RegistryView.dir(home), views, written, rewrite);
        write(RegistryView.usesDir(home), used, writtenUses, rewrite);
        releases.writeAgreed(rewrite);
        if (rewrite)
        {
            writtenMs = now;
        }
    }

    /**
     * Write each cell's file whose text changed (or all, every second) and delete those no longer wanted.
     */
    private void write(final Path dir, final TreeMap<String, StringBuilder> files, final Map<String, String> written,
        final boolean rewrite)
    {
        try
        {
            PrivateFiles.createDirectories(dir);
            for (final Map.Entry<String, StringBuilder> v : files.entrySet())
            {
                final String text = v.getValue().toString();
                if (rewrite || !text.equals(written.get(v.getKey())))
                {
                    PrivateFiles.writeAtomically(dir.resolve(v.getKey()), text.getBytes(StandardCharsets.UTF_8),
                        false);
                    written.put(v.getKey(), text);
                }
            }
            for (final String gone : Set.copyOf(written.keySet()))
            {
                if (!files.containsKey(gone))
                {
                    Files.deleteIfExists(dir.resolve(gone));
                    written.remove(gone);
                }
            }
        }
        catch (final IOException ex)
        {
            log.warn("registry.view.failed", "dir", dir.toString(), "error", String.valueOf(ex));
        }
    }

    @Override
    public void close()
    {
        closed = true;
        LockSupport.unpark(thread);
        try
        {
            thread.join(2_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        for (final RegistryLease l : leases.values())
        {
            l.close();
        }
        leases.clear();
        if (client != null)
        {
            client.close();
        }
    }
}
