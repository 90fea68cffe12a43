package dev.cell.cli;

import dev.cell.git.Mirrors;
import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.CellLock;
import dev.cell.tissue.config.DepPolicy;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.Mitosis;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The build-time half of {@code [deps.<name>.policy]} ({@link DepPolicy}), run by {@code cell build} before Maven:
 * for each dependency with a policy that is not a cell of the tissue being built and has no instance on this host,
 * the remote instances this host's registry view lists are timed (a genome round trip over each one's axon, the
 * median of {@value #ROUND_TRIPS} after one to warm up, at most {@value #MAX_TIMED} instances). When the best is
 * slower than {@code max_latency_ms}, or none is listed, and {@code auto_spawn} is set, the producer is spawned here
 * from its signed git release and started detached, so the consumer's build resolves its genome from it; when
 * {@code auto_spawn} is not set, a producer too far fails the build.
 *
 * @since 0.3
 */
final class DepReach
{
    static final int ROUND_TRIPS = 5;
    static final int MAX_TIMED = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private DepReach()
    {
    }

    /**
     * A release spawned for a consumer.
     *
     * @param consumer the consumer.
     * @param dep      its dependency entry.
     * @param sha256   the verified artifact hash.
     */
    record Spawned(CellSpec consumer, CellDeps.Dep dep, String sha256)
    {
    }

    /**
     * @param tree     the tissue about to be built.
     * @param cellHome this host's cell home.
     * @param offline  true to build a spawned release with only the local Maven repository.
     * @param out      where each decision is printed.
     * @return the releases spawned.
     * @throws UserError when a dependency is too far and may not be spawned, or its spawn fails.
     */
    static List<Spawned> apply(final TissueTree tree, final Path cellHome, final boolean offline,
        final PrintWriter out)
    {
        final List<Spawned> spawned = new java.util.ArrayList<>();
        for (final CellSpec cell : tree.config().cells())
        {
            for (final CellDeps.Dep dep : cell.remoteDeps())
            {
                final DepPolicy policy = dep.policy();
                if (policy == null || tree.config().cells().stream().anyMatch(c -> c.name().equals(dep.name())) ||
                    !InstanceRegistry.live(cellHome, dep.name()).isEmpty())
                {
                    continue;
                }
                final List<RegistryView.Entry> listed = RegistryView.read(cellHome, dep.name());
                final StringBuilder problems = new StringBuilder();
                final double best = best(cellHome, dep.name(), listed, problems);
                final String measured = listed.isEmpty() ? "no instance listed in this host's registry view" :
                    Double.isNaN(best) ? listed.size() + " listed, none answered (" + problems + ")" :
                    String.format(Locale.ROOT, "best remote round trip %.2f ms", best);
                final boolean tooFar = Double.isNaN(best) || policy.tooFar(best);
                if (!tooFar)
                {
                    out.println(dep.name() + ": " + measured + " (max " + policy.maxLatencyMs() + " ms)");
                    continue;
                }
                if (!policy.autoSpawn())
                {
                    if (Double.isNaN(best))
                    {
                        continue; // nothing to measure: the build resolves the genome as it would without a policy
                    }
                    throw new UserError(cell.name() + ": " + policy.tooFarMessage(dep.name(), best));
                }
                out.println(dep.name() + ": " + measured + (Double.isNaN(best) ? "" : " > max " +
                    policy.maxLatencyMs() + " ms") + "; auto_spawn: spawning it on this host from " + dep.git() +
                    "@" + dep.tag());
                out.flush();
                spawned.add(new Spawned(cell, dep, spawn(cellHome, cell, dep, offline, out)));
            }
        }
        return spawned;
    }

    /**
     * After a build: pin in each consumer's {@code Cell.lock} the owner key of every dependency with a signed git
     * release, and the release and hash of those spawned. A lock that pins another owner is left as it is (a spawn
     * refuses it until {@code cell lock --update}).
     *
     * @param tree    the tissue built.
     * @param spawned what {@link #apply} spawned for it.
     * @param out     where a lock left alone is reported.
     */
    static void pinOwners(final TissueTree tree, final List<Spawned> spawned, final PrintWriter out)
    {
        for (final CellSpec cell : tree.config().cells())
        {
            for (final CellDeps.Dep dep : cell.remoteDeps())
            {
                if (dep.git() == null || dep.owner() == null)
                {
                    continue;
                }
                try
                {
                    final CellLock lock = CellLock.read(cell.dir());
                    final CellLock.Entry e = lock.entries().get(dep.name());
                    if (e != null && !e.owner().isEmpty() && !e.owner().equals(dep.owner()))
                    {
                        out.println(cell.name() + ": " + lock.releaseProblem(dep.name(), dep.owner(), dep.tag(), null));
                        continue;
                    }
                    final Spawned s = spawned.stream().filter(x -> x.consumer().equals(cell) && x.dep().equals(dep))
                        .findFirst().orElse(null);
                    lock.withRelease(dep.name(), dep.owner(), s != null ? dep.tag() : e == null ? "" : e.release(),
                        s != null ? s.sha256() : e == null ? "" : e.artifactSha256());
                }
                catch (final java.io.IOException | IllegalArgumentException ex)
                {
                    throw new UserError("cannot pin the owner of " + dep.name() + " in " + cell.dir().resolve(
                        CellLock.FILE) + ": " + ex.getMessage(), ex);
                }
            }
        }
    }

    private static String spawn(final Path cellHome, final CellSpec consumer, final CellDeps.Dep dep,
        final boolean offline, final PrintWriter out)
    {
        final long startNs = System.nanoTime();
        final Mirrors.Verified v = Mirrors.verify(cellHome, consumer, dep, offline, out);
        final long verifiedNs = System.nanoTime();
        final StringWriter started = new StringWriter();
        try (PrintWriter quiet = new PrintWriter(started))
        {
            DetachedSupervisor.fork(Mitosis.Options.of(v.spawned().dir()).withBuild(false).withAttached(false)
                .withCellHome(cellHome), quiet);
        }
        out.println(dep.name() + ": spawned " + dep.tag() + " from its " + v.how() + " (sha256 " +
            v.spawned().sha256() + ", signed by " + v.spawned().owner() + ") in " +
            (verifiedNs - startNs) / 1_000_000L + " ms, ready " + (System.nanoTime() - verifiedNs) / 1_000_000L +
            " ms later; `cell stop " + v.spawned().dir() + "` stops it");
        out.flush();
        return v.spawned().sha256();
    }

    /**
     * @return the best median round trip in milliseconds over the listed instances, NaN when none answered.
     */
    private static double best(final Path cellHome, final String cell, final List<RegistryView.Entry> listed,
        final StringBuilder problems)
    {
        double best = Double.NaN;
        for (final RegistryView.Entry e : listed.subList(0, Math.min(MAX_TIMED, listed.size())))
        {
            final double ms = time(cellHome, cell, e, problems);
            if (!Double.isNaN(ms) && (Double.isNaN(best) || ms < best))
            {
                best = ms;
            }
        }
        return best;
    }

    private static double time(final Path cellHome, final String cell, final RegistryView.Entry e,
        final StringBuilder problems)
    {
        final ClientOptions options;
        try
        {
            options = ClientOptions.defaults().withCellHome(cellHome).withConnectTimeout(TIMEOUT)
                .withCallTimeout(TIMEOUT).withClientName("cell-build")
                .withEndpoint(Endpoint.parse(e.axon(), e.identity().isEmpty() ? null : e.identity()));
        }
        catch (final IllegalArgumentException malformed)
        {
            problems.append(problems.isEmpty() ? "" : "; ").append(e.axon()).append(": ").append(malformed.getMessage());
            return Double.NaN;
        }
        try (CellConnection c = CellConnection.connect(cell, 0, options))
        {
            c.genome();
            final long[] rtts = new long[ROUND_TRIPS];
            for (int i = 0; i < ROUND_TRIPS; i++)
            {
                final long t0 = System.nanoTime();
                c.genome();
                rtts[i] = System.nanoTime() - t0;
            }
            Arrays.sort(rtts);
            return rtts[ROUND_TRIPS / 2] / 1e6;
        }
        catch (final CellException | IllegalStateException ex)
        {
            problems.append(problems.isEmpty() ? "" : "; ").append(e.axon()).append(": ").append(ex.getMessage());
            return Double.NaN;
        }
    }
}
