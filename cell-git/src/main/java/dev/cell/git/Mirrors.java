package dev.cell.git;

import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.Mitosis;
import dev.cell.tissue.supervise.Spawner;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
        final Mitosis.Running mine = running.get(key);
        if (mine != null && !mine.instances().isEmpty() || !InstanceRegistry.live(cellHome, dep.name()).isEmpty())
        {
            return "ok: " + dep.name() + " already runs on this host";
        }
        if (mine != null)
        {
            mine.close();
            running.remove(key);
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
     * cell home when it still verifies ({@link Ribosome#cached}), else cloned, checked, built and verified now.
     *
     * @param cellHome the cell home.
     * @param consumer the consumer.
     * @param dep      its entry, with {@code git}, {@code tag} and {@code owner}.
     * @param offline  true to build with only the local Maven repository (no resolution with the network first).
     * @param out      where progress goes.
     * @return the verified build.
     * @throws UserError when the release does not verify.
     */
    public static Verified verify(final Path cellHome, final CellSpec consumer, final CellDeps.Dep dep,
        final boolean offline, final PrintWriter out)
    {
        if (dep.git() == null || dep.owner() == null)
        {
            throw new UserError("[deps] " + dep.name() + " of " + consumer.file() + " names no git release with an " +
                "owner key, so there is nothing verified to spawn");
        }
        final Ribosome.Request request = Ribosome.Request.of(dep.git() + "@" + dep.tag()).withOwnerKey(dep.owner())
            .withResolve(!offline);
        try
        {
            final Ribosome.Spawned cached = Ribosome.cached(cellHome, request);
            if (cached != null)
            {
                return new Verified(cached, true);
            }
        }
        catch (final UserError stale)
        {
            out.println("spawn " + dep.git() + "@" + dep.tag() + ": " + stale.getMessage() + "; cloning and " +
                "building again");
            out.flush();
        }
        return new Verified(Ribosome.spawn(cellHome, request, out), false);
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
