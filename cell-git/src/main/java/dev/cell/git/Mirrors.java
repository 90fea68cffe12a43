package dev.cell.git;

import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.CellLock;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.Mitosis;
import dev.cell.tissue.supervise.Spawner;
import dev.cell.tissue.supervise.SupervisorLock;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The mirrors a supervisor spawned for its cells ({@code [deps.<name>.policy] auto_spawn}): a producer a consumer
 * finds too far is started here from its signed git release, under this supervisor, as its own tissue (its own
 * control entry, so {@code cell status} and {@code cell stop} reach it, and its own {@code idle_timeout}). A build
 * verified earlier in this cell home is started again without cloning or building ({@link Ribosome#cached}, its jar
 * hashed again); otherwise the release is cloned, checked against the owner key the consumer pins, built in the
 * sandbox and verified ({@link Ribosome#spawn}). One spawn runs at a time; a producer already running here is not
 * spawned again. The mirrors stop with this supervisor.
 *
 * @since 0.3
 */
public final class Mirrors implements Spawner, AutoCloseable
{
    private final Path cellHome;
    private final PrintWriter out;
    private final Map<String, Mitosis.Running> running = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param cellHome the cell home the mirrors register in.
     * @param out      where progress goes (the supervisor's output).
     */
    public Mirrors(final Path cellHome, final PrintWriter out)
    {
        this.cellHome = cellHome;
        this.out = out;
    }

    @Override
    public synchronized String spawn(final CellSpec consumer, final CellDeps.Dep dep)
    {
        if (closed)
        {
            throw new UserError("the supervisor is stopping");
        }
        final String key = dep.git() + "@" + dep.tag();
        if (!InstanceRegistry.live(cellHome, dep.name()).isEmpty())
        {
            return "ok: " + dep.name() + " already runs on this host";
        }
        final Mitosis.Running gone = running.remove(key); // spawned before, its instances gone since
        if (gone != null)
        {
            gone.close();
        }
        final long startNs = System.nanoTime();
        final Verified v = verify(cellHome, consumer, dep, CellDeps.read(consumer.dir()).offline(), out);
        final long verifiedNs = System.nanoTime();
        final Mitosis.Running started = Mitosis.start(Mitosis.Options.of(v.spawned().dir()).withBuild(false)
            .withAttached(false).withCellHome(cellHome), out);
        running.put(key, started);
        final long doneNs = System.nanoTime();
        return "ok: spawned " + dep.name() + " " + dep.tag() + " for " + consumer.name() + " from its " + v.how() +
            " (sha256 " + v.spawned().sha256() + ", signed by " + v.spawned().owner() + "): verified in " +
            (verifiedNs - startNs) / 1_000_000L + " ms, ready " + (doneNs - verifiedNs) / 1_000_000L + " ms later";
    }

    /**
     * Verify, in the background, the cached builds of every dependency of the tissue's cells that may be spawned:
     * a spawn later then finds the code that verifies loaded (the first verification in a JVM takes most of a
     * second on a small machine, later ones tens of milliseconds). Nothing is started or built; a dependency with no
     * cached build is skipped.
     *
     * @param tree the tissue this supervisor runs.
     */
    public void prepare(final TissueTree tree)
    {
        final List<CellSpec> cells = tree.config().cells();
        Thread.ofPlatform().daemon(true).name("cell-mirrors-prepare").start(() ->
        {
            for (final CellSpec cell : cells)
            {
                for (final CellDeps.Dep dep : cell.remoteDeps())
                {
                    if (dep.policy() != null && dep.policy().autoSpawn())
                    {
                        try
                        {
                            Ribosome.cached(cellHome, Ribosome.Request.of(dep.git() + "@" + dep.tag())
                                .withOwnerKey(dep.owner()));
                        }
                        catch (final RuntimeException ex)
                        {
                            // Not verifiable now: a spawn says why, and builds again.
                        }
                    }
                }
            }
        });
    }

    /**
     * A verified build of a dependency's release and how it was had.
     *
     * @param spawned the verified cell, ready to start.
     * @param cached  true when it was built earlier (only its jar hashed again), false when cloned and built now.
     */
    public record Verified(Ribosome.Spawned spawned, boolean cached)
    {
        /**
         * @return how it was had, in words.
         */
        public String how()
        {
            return cached ? "cached build" : "fresh clone and build";
        }
    }

    /**
     * Have a verified build of the release a consumer's {@code [deps]} entry names: the one built earlier in this
     * cell home when it still verifies ({@link Ribosome#cached}), else cloned, checked, built and verified now. With
     * {@code offline_vendor} the release is kept as a bundle in the consumer's folder ({@link VendoredRelease}) and,
     * when the repository cannot be reached, spawned from that bundle with the same checks.
     *
     * @param cellHome the cell home.
     * @param consumer the consumer.
     * @param dep      its entry, with {@code git}, {@code tag} and {@code owner}.
     * @param offline  true to build with only the local Maven repository (no resolution with the network first).
     * @param out      where progress goes.
     * @return the verified build.
     * @throws UserError when the release does not verify, or is not what the consumer's {@code Cell.lock} pins
     *                   ({@link CellLock#releaseProblem}).
     */
    public static Verified verify(final Path cellHome, final CellSpec consumer, final CellDeps.Dep dep,
        final boolean offline, final PrintWriter out)
    {
        if (dep.git() == null || dep.owner() == null)
        {
            throw new UserError("[deps] " + dep.name() + " of " + consumer.file() + " names no git release with an " +
                "owner key, so there is nothing verified to spawn");
        }
        final CellLock lock = lock(consumer);
        refuseIf(lock.releaseProblem(dep.name(), dep.owner(), dep.tag(), null), consumer);
        final Verified v = verifyRelease(cellHome, consumer, dep, offline, out);
        refuseIf(lock.releaseProblem(dep.name(), dep.owner(), dep.tag(), v.spawned().sha256()), consumer);
        return v;
    }

    private static CellLock lock(final CellSpec consumer)
    {
        try
        {
            return CellLock.read(consumer.dir());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError(ex.getMessage(), ex);
        }
    }

    private static void refuseIf(final String problem, final CellSpec consumer)
    {
        if (problem != null)
        {
            throw new UserError("refused for " + consumer.name() + ": " + problem);
        }
    }

    private static Verified verifyRelease(final Path cellHome, final CellSpec consumer, final CellDeps.Dep dep,
        final boolean offline, final PrintWriter out)
    {
        final Ribosome.Request request = Ribosome.Request.of(dep.git() + "@" + dep.tag()).withOwnerKey(dep.owner())
            .withResolve(!offline);
        final boolean vendor = dep.policy() != null && dep.policy().offlineVendor();
        final Path bundle = VendoredRelease.bundle(consumer.dir(), dep.name(), dep.tag());
        Verified v = cached(cellHome, request, out);
        try
        {
            v = v != null ? v : new Verified(Ribosome.spawn(cellHome, request, out), false);
        }
        catch (final UserError ex)
        {
            // Only an unreachable repository falls back to the vendored copy: a release that did not verify is
            // refused, whatever copy there is.
            if (!vendor || !Files.isRegularFile(bundle) || !ex.getMessage().startsWith("cannot clone "))
            {
                throw ex;
            }
            out.println("spawn " + dep.git() + "@" + dep.tag() + ": " + ex.getMessage() + "; spawning from the " +
                "vendored copy " + bundle + " (checked as the server would be)");
            out.flush();
            final Ribosome.Request local = request.withUrl(bundle.toString());
            v = cached(cellHome, local, out);
            return v != null ? v : new Verified(Ribosome.spawn(cellHome, local, out), false);
        }
        if (vendor && (!v.cached() || !Files.isRegularFile(bundle)))
        {
            VendoredRelease.write(v.spawned().dir(), dep.tag(), bundle);
            out.println("spawn " + dep.git() + "@" + dep.tag() + ": vendored into " + bundle);
            out.flush();
        }
        return v;
    }

    private static Verified cached(final Path cellHome, final Ribosome.Request request, final PrintWriter out)
    {
        try
        {
            final Ribosome.Spawned cached = Ribosome.cached(cellHome, request);
            return cached == null ? null : new Verified(cached, true);
        }
        catch (final UserError stale)
        {
            out.println("spawn " + request.url() + "@" + request.tag() + ": " + stale.getMessage() + "; cloning " +
                "and building again");
            out.flush();
            return null;
        }
    }

    /**
     * {@code cell gc}: remove the spawned releases under {@code $CELL_HOME/spawn/} not used for {@code age}: their
     * clone and build, not the artifact store's jar (which {@code cell gc} ages on its own). A release is used when it
     * was spawned or its artifact last ran; one whose cell has a live instance or a supervisor is kept.
     *
     * @param cellHome the cell home.
     * @param age      how long unused.
     * @param dryRun   true to only list them.
     * @return what was (or would be) removed: "folder last used".
     */
    public static List<String> gc(final Path cellHome, final Duration age, final boolean dryRun)
    {
        final List<String> removed = new ArrayList<>();
        final Path spawn = cellHome.resolve("spawn");
        if (!Files.isDirectory(spawn))
        {
            return removed;
        }
        final long cutoff = Instant.now().minus(age).toEpochMilli();
        try (Stream<Path> repos = Files.list(spawn))
        {
            for (final Path repo : repos.filter(Files::isDirectory).toList())
            {
                try (Stream<Path> tags = Files.list(repo))
                {
                    for (final Path tag : tags.filter(t -> Files.isRegularFile(t.resolve(".cell")
                        .resolve(Ribosome.SPAWN_RECORD))).toList())
                    {
                        final long used = lastUsed(tag);
                        if (used < cutoff && !inUse(cellHome, tag))
                        {
                            removed.add(tag + " last used " + Instant.ofEpochMilli(used));
                            if (!dryRun)
                            {
                                InstanceRegistry.deleteTree(tag);
                            }
                        }
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + spawn, ex);
        }
        return removed;
    }

    private static long lastUsed(final Path tag)
    {
        long used = 0;
        try
        {
            final Map<String, Object> record = Json.parseObject(Files.readString(tag.resolve(".cell")
                .resolve(Ribosome.SPAWN_RECORD)));
            used = record.get("spawnedEpochMs") instanceof Number n ? n.longValue() : 0;
            final Path artifact = ArtifactStore.currentArtifact(TissueConfig.loadCell(tag));
            if (artifact != null && Json.parseObject(Files.readString(artifact.resolve("artifact.json")))
                .get("lastRunEpochMs") instanceof Number n)
            {
                used = Math.max(used, n.longValue());
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // An unreadable record: aged by what could be read.
        }
        return used;
    }

    private static boolean inUse(final Path cellHome, final Path tag)
    {
        try
        {
            final CellSpec cell = TissueConfig.loadCell(tag);
            if (InstanceRegistry.live(cellHome, cell.name()).stream().anyMatch(r -> r.cellDir() != null &&
                r.cellDir().toAbsolutePath().normalize().equals(tag.toAbsolutePath().normalize())))
            {
                return true;
            }
            SupervisorLock.checkFree(cellHome, TissueTree.load(tag));
            return false;
        }
        catch (final UserError supervised)
        {
            return supervised.getMessage() != null && supervised.getMessage().contains("already supervised");
        }
        catch (final RuntimeException unreadable)
        {
            return false;
        }
    }

    /**
     * Stop every mirror.
     */
    @Override
    public synchronized void close()
    {
        closed = true;
        for (final Mitosis.Running r : running.values())
        {
            r.close();
        }
        running.clear();
    }
}
