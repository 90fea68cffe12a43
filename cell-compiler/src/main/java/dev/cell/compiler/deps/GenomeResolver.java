package dev.cell.compiler.deps;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Genome;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.config.CellLock;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Finds the genome a consumer builds against, in this order:
 * <ol>
 *     <li>a running instance of the cell on this host (genome request over a junction);</li>
 *     <li>a running instance on another host that this host's registry replica lists ({@code RegistryView}; genome
 *     request over its axon);</li>
 *     <li>the source named in the consumer's {@code cell.toml} {@code [deps]} (a folder, or a git tag);</li>
 *     <li>the consumer's {@code Cell.lock} and the genome it pins in {@code .cell-genomes/}.</li>
 * </ol>
 * Offline ({@code offline = true} or {@code CELL_OFFLINE=1}) only the lock is used. A genome found online whose
 * fingerprint differs from the lock's is an error naming both and the fix; a stale lock is never used silently.
 *
 * @since 0.2
 */
public final class GenomeResolver
{
    /**
     * Where a resolved genome came from.
     */
    public enum From
    {
        /** A running instance on this host. */
        RUNNING,
        /** A running instance on another host, found through the registry. */
        REGISTRY,
        /** A source folder or git tag. */
        SOURCE,
        /** The lock. */
        LOCK
    }

    /**
     * A resolved genome.
     *
     * @param name    the dependency ({@code exchange} or {@code exchange@2}).
     * @param genome  the genome.
     * @param from    where it came from.
     * @param source  that place in words (instance id, {@code path ../x}, {@code git <url> tag <t>}, {@code Cell.lock}).
     * @param locked  the lock's entry for it, null when the lock has none.
     * @param instances the instances that answered ({@code instance@host}), empty when none did.
     */
    public record Resolved(String name, Genome genome, From from, String source, CellLock.Entry locked,
        List<String> instances)
    {
        /**
         * Canonical constructor: copies the instances.
         */
        public Resolved
        {
            instances = List.copyOf(instances);
        }

        /**
         * @return true when the lock pins another fingerprint than the one resolved.
         */
        public boolean lockDiffers()
        {
            return locked != null && !locked.fingerprint().equals(genome.fingerprint());
        }

        /**
         * @return the error a build reports when {@link #lockDiffers()}.
         */
        public String lockMismatch()
        {
            return "Cell.lock pins cell '" + name + "' at " + locked.version() + " fingerprint " + locked.fingerprint() +
                " but " + source + " has " + genome.version() + " fingerprint " + genome.fingerprint() + ". The " +
                "producer changed since the lock was written: run `cell lock --update` to build against it (then fix " +
                "what it breaks), or run the producer version the lock pins";
        }
    }

    private final Path root;
    private final CellDeps deps;
    private final Path cellHome;
    private final Duration connectTimeout;

    /**
     * @param root the consumer's folder (with its {@code cell.toml} and {@code Cell.lock}).
     */
    public GenomeResolver(final Path root)
    {
        this(root, CellDeps.read(root), CellHome.resolve(), Duration.ofSeconds(2));
    }

    /**
     * @param root           the consumer's folder.
     * @param deps           its declared dependencies.
     * @param cellHome       the cell home where running instances register.
     * @param connectTimeout how long to wait for a running instance's answer.
     */
    public GenomeResolver(final Path root, final CellDeps deps, final Path cellHome, final Duration connectTimeout)
    {
        this.root = root;
        this.deps = deps;
        this.cellHome = cellHome;
        this.connectTimeout = connectTimeout;
    }

    /**
     * @return the consumer's declared dependencies.
     */
    public CellDeps deps()
    {
        return deps;
    }

    /**
     * Resolve one dependency.
     *
     * @param name   {@code exchange} (major 0 or 1) or {@code exchange@2}.
     * @param useLock whether the lock may answer (false for {@code cell lock --update}).
     * @return the genome and where it came from.
     * @throws IllegalArgumentException saying what was tried and what to do, when nothing answers.
     */
    public Resolved resolve(final String name, final boolean useLock)
    {
        final CellLock lock = CellLock.read(root);
        final CellLock.Entry locked = lock.entries().get(name);
        if (deps.offline())
        {
            if (locked == null)
            {
                throw new IllegalArgumentException("cell '" + name + "' is not in " + root.resolve(CellLock.FILE) +
                    " and this build is offline (" + offlineWhy() + "): run `cell lock` once with the producer " +
                    "reachable and commit Cell.lock and .cell-genomes/");
            }
            return new Resolved(name, lock.pinned(name), From.LOCK, CellLock.FILE, locked, List.of());
        }
        final StringBuilder tried = new StringBuilder();
        final Resolved running = running(name, locked, tried);
        if (running != null)
        {
            return running;
        }
        final CellDeps.Dep dep = dep(name);
        if (dep != null)
        {
            final Genome genome = dep.path() != null ?
                SourceGenomes.fromDirectory(root.resolve(dep.path()).normalize(), name) :
                SourceGenomes.fromGit(dep.git(), dep.tag(), dep.dir(), name);
            return checkMajor(new Resolved(name, genome, From.SOURCE, dep.describe(), locked, List.of()));
        }
        tried.append("; no [deps] entry '").append(plain(name)).append("' in ").append(root.resolve(CellDeps.FILE));
        if (useLock && locked != null)
        {
            return new Resolved(name, lock.pinned(name), From.LOCK, CellLock.FILE, locked, List.of());
        }
        throw new IllegalArgumentException("cannot resolve the genome of cell '" + name + "': " +
            tried.substring(2) + (useLock ? "; no entry in " + CellLock.FILE : "") + ". Start the producer on this " +
            "host, or name its source: `cell add " + plain(name) + " --path <dir>` or `cell add " + plain(name) +
            " --git <url> --tag <tag>`");
    }

    private Resolved running(final String name, final CellLock.Entry locked, final StringBuilder tried)
    {
        final List<InstanceRecord> live = InstanceRegistry.live(cellHome, name);
        final List<RegistryView.Entry> listed = live.isEmpty() ? RegistryView.read(cellHome, name) : List.of();
        if (live.isEmpty() && listed.isEmpty())
        {
            tried.append("; no running instance of '").append(name).append("' under ").append(cellHome)
                .append(" and none on another host in this host's registry view");
            return null;
        }
        try
        {
            final GenomeFetch.Fetched f = GenomeFetch.fetch(cellHome, name, connectTimeout);
            if (!live.isEmpty())
            {
                return checkMajor(new Resolved(name, f.genome(), From.RUNNING, "running instance of '" + name +
                    "' (pid " + live.getFirst().pid() + ")", locked, List.of(f.instanceId() + "@" +
                    RegistryView.hostLabel())));
            }
            final String host = listed.stream().filter(e -> e.instanceId().equals(f.instanceId()))
                .map(RegistryView.Entry::host).findFirst().orElse("?");
            return checkMajor(new Resolved(name, f.genome(), From.REGISTRY, "running instance " + f.instanceId() +
                " on host " + host + " (registry)", locked, List.of(f.instanceId() + "@" + host)));
        }
        catch (final IllegalStateException ex)
        {
            tried.append("; running instance of '").append(name).append("' ")
                .append(live.isEmpty() ? "on another host (registry) " : "").append("did not answer (")
                .append(ex.getMessage()).append(')');
            return null;
        }
    }

    private Resolved checkMajor(final Resolved r)
    {
        final String served = r.genome().servedName();
        if (!served.equals(r.name()))
        {
            throw new IllegalArgumentException(r.source() + " has cell '" + r.genome().cell() + "' " +
                r.genome().version() + ", which serves as '" + served + "', but this consumer asks for '" + r.name() +
                "'. A new major version is a new contract: write @CellRemote(\"" + served + "\") to move to it, " +
                "or point [deps] " + plain(r.name()) + " at the source of the version you build against");
        }
        return r;
    }

    private CellDeps.Dep dep(final String name)
    {
        final CellDeps.Dep exact = deps.deps().get(name);
        return exact != null ? exact : deps.deps().get(plain(name));
    }

    private static String plain(final String name)
    {
        final int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    private static String offlineWhy()
    {
        final String env = System.getenv("CELL_OFFLINE");
        return env != null && !env.isEmpty() ? "CELL_OFFLINE=" + env : "offline = true in cell.toml";
    }
}
