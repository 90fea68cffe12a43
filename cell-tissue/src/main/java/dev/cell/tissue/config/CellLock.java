package dev.cell.tissue.config;

import dev.cell.runtime.genome.Genome;
import org.tomlj.Toml;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlTable;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Cell.lock} at a consumer's root: per dependency the version and fingerprint of the genome it was built
 * against, the genome itself kept in {@code .cell-genomes/<name>.genome.json}. Commit both: a build with
 * {@code CELL_OFFLINE=1} (or {@code offline = true}) resolves from them alone, with no producer running and no
 * network. Written by the first online resolution of a dependency and by {@code cell lock [--update]}.
 * <pre>
 * [deps.exchange]
 * version = "1.0.0"
 * fingerprint = "9f2c51d0a4b7e3c8"
 * source = "path ../exchange"
 * owner = "ed25519:..."
 * release = "v1.0.0"
 * artifact_sha256 = "…"
 * </pre>
 * The last three are there for a dependency spawned from its signed git release: the owner key the consumer pins
 * (as {@code owner} in {@code [deps]} does) and the release and artifact hash the consumer's build verified, so that
 * a changed owner key in {@code cell.toml}, or another build of the same tag, is noticed and refused.
 *
 * @param root    the consumer's folder.
 * @param entries dependency name → pinned entry.
 * @since 0.2
 */
public record CellLock(Path root, Map<String, Entry> entries)
{
    /**
     * File name of the lock.
     */
    public static final String FILE = "Cell.lock";

    /**
     * Folder of the pinned genomes.
     */
    public static final String GENOMES = ".cell-genomes";

    /**
     * One pinned dependency.
     *
     * @param name        its name ({@code exchange} or {@code exchange@2}).
     * @param version     the pinned genome's version.
     * @param fingerprint the pinned genome's fingerprint.
     * @param source      where it was resolved from when pinned.
     * @param validated   the running instances it was resolved from ({@code instance@host}), empty when it came from
     *                    a source.
     * @param validatedAt when (UTC, ISO-8601), empty with no instances.
     * @param owner       the owner key of its signed release, empty when none was pinned.
     * @param release     the released tag a spawn of it verified, empty when none.
     * @param artifactSha256 that release's verified artifact hash, empty when none.
     */
    public record Entry(String name, String version, String fingerprint, String source, List<String> validated,
        String validatedAt, String owner, String release, String artifactSha256)
    {
        /**
         * Canonical constructor: copies the instances.
         */
        public Entry
        {
            validated = List.copyOf(validated);
        }
    }

    /**
     * Canonical constructor: copies the map.
     */
    public CellLock
    {
        entries = Map.copyOf(entries);
    }

    /**
     * @param root a consumer's folder.
     * @return its lock; empty when there is none.
     * @throws IllegalArgumentException naming the file and what is wrong when it is malformed.
     */
    public static CellLock read(final Path root)
    {
        final Path file = root.resolve(FILE);
        final Map<String, Entry> entries = new TreeMap<>();
        if (!Files.isRegularFile(file))
        {
            return new CellLock(root, entries);
        }
        final TomlParseResult toml;
        try
        {
            toml = Toml.parse(file);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        if (toml.hasErrors())
        {
            throw new IllegalArgumentException(file + ": " + toml.errors().getFirst() + " (regenerate it with " +
                "`cell lock --update`)");
        }
        final TomlTable deps = toml.getTable("deps");
        if (deps != null)
        {
            for (final String name : deps.keySet())
            {
                if (!(deps.get(List.of(name)) instanceof TomlTable t) || t.getString("fingerprint") == null ||
                    t.getString("version") == null)
                {
                    throw new IllegalArgumentException(file + ": [deps." + name + "] needs 'version' and " +
                        "'fingerprint' (regenerate it with `cell lock --update`)");
                }
                final String source = t.getString("source");
                final List<String> validated = new java.util.ArrayList<>();
                if (t.getArray("validated") != null)
                {
                    for (int i = 0; i < t.getArray("validated").size(); i++)
                    {
                        validated.add(String.valueOf(t.getArray("validated").get(i)));
                    }
                }
                final String at = t.getString("validated_at");
                entries.put(name, new Entry(name, t.getString("version"), t.getString("fingerprint"),
                    source == null ? "" : source, validated, at == null ? "" : at, text(t, "owner"),
                    text(t, "release"), text(t, "artifact_sha256")));
            }
        }
        return new CellLock(root, entries);
    }

    private static String text(final TomlTable t, final String key)
    {
        final String v = t.getString(key);
        return v == null ? "" : v;
    }

    /**
     * @param name a dependency.
     * @return where its pinned genome is kept.
     */
    public Path genomeFile(final String name)
    {
        return root.resolve(GENOMES).resolve(name + ".genome.json");
    }

    /**
     * Read a pinned genome and check it is the one the lock names.
     *
     * @param name a dependency present in the lock.
     * @return its pinned genome.
     * @throws IllegalArgumentException when the file is missing, unreadable or not the locked fingerprint.
     */
    public Genome pinned(final String name)
    {
        final Entry entry = entries.get(name);
        final Path file = genomeFile(name);
        final Genome genome;
        try
        {
            genome = Genome.fromJson(Files.readString(file));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw new IllegalArgumentException(FILE + " pins " + name + " " + entry.fingerprint() + " but its " +
                "genome " + root.relativize(file) + " cannot be read (" + ex.getMessage() + "): commit " + GENOMES +
                "/ with " + FILE + ", or run `cell lock --update` with the producer reachable");
        }
        if (!genome.fingerprint().equals(entry.fingerprint()))
        {
            throw new IllegalArgumentException(FILE + " pins " + name + " at fingerprint " + entry.fingerprint() +
                " but " + root.relativize(file) + " holds genome " + genome.fingerprint() + ": the two were not " +
                "updated together; run `cell lock --update` with the producer reachable");
        }
        return genome;
    }

    /**
     * Pin a genome: write its file and its entry (replacing an earlier one).
     *
     * @param name   the dependency.
     * @param genome the genome.
     * @param source where it was resolved from.
     * @return the updated lock.
     * @throws IOException when the files cannot be written.
     */
    public CellLock pin(final String name, final Genome genome, final String source) throws IOException
    {
        return pin(name, genome, source, List.of());
    }

    /**
     * Pin a genome resolved from running instances, recording them and the time.
     *
     * @param name      the dependency.
     * @param genome    the genome.
     * @param source    where it was resolved from.
     * @param instances the instances that answered ({@code instance@host}); empty for a source.
     * @return the updated lock.
     * @throws IOException when the files cannot be written.
     */
    public CellLock pin(final String name, final Genome genome, final String source, final List<String> instances)
        throws IOException
    {
        final Path file = genomeFile(name);
        Files.createDirectories(file.getParent());
        writeAtomically(file, genome.toJson());
        final Map<String, Entry> updated = new TreeMap<>(entries);
        final Entry before = entries.get(name);
        updated.put(name, new Entry(name, genome.version(), genome.fingerprint(), source, instances,
            instances.isEmpty() ? "" : java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString(), before == null ? "" : before.owner(), before == null ? "" : before.release(),
            before == null ? "" : before.artifactSha256()));
        final CellLock lock = new CellLock(root, updated);
        lock.write();
        return lock;
    }

    /**
     * Record a dependency's owner key and, when a spawn verified one, its release and artifact hash. A dependency
     * with no entry yet (its genome not pinned) is left alone.
     *
     * @param name           the dependency.
     * @param owner          the owner key.
     * @param release        the verified tag, or empty.
     * @param artifactSha256 its artifact hash, or empty.
     * @return the updated lock.
     * @throws IOException when it cannot be written.
     */
    public CellLock withRelease(final String name, final String owner, final String release,
        final String artifactSha256) throws IOException
    {
        final Entry e = entries.get(name);
        if (e == null || (e.owner().equals(owner) && e.release().equals(release) &&
            e.artifactSha256().equals(artifactSha256)))
        {
            return this;
        }
        final Map<String, Entry> updated = new TreeMap<>(entries);
        updated.put(name, new Entry(name, e.version(), e.fingerprint(), e.source(), e.validated(), e.validatedAt(),
            owner, release, artifactSha256));
        final CellLock lock = new CellLock(root, updated);
        lock.write();
        return lock;
    }

    /**
     * Check a spawn of a dependency against what the lock pins for it.
     *
     * @param name    the dependency.
     * @param owner   the owner key {@code cell.toml} pins.
     * @param release the tag about to be spawned.
     * @param sha256  the artifact hash the spawn verified, or null before it is known.
     * @return null when it agrees (or the lock pins nothing for it), else what differs, in words.
     */
    public String releaseProblem(final String name, final String owner, final String release, final String sha256)
    {
        final Entry e = entries.get(name);
        if (e == null || e.owner().isEmpty())
        {
            return null;
        }
        if (!e.owner().equals(owner))
        {
            return "cell.toml pins owner " + owner + " for " + name + " but " + FILE + " pins " + e.owner() +
                ": if the owner's key changed on purpose, run `cell lock --update`";
        }
        if (sha256 != null && e.release().equals(release) && !e.artifactSha256().equals(sha256))
        {
            return FILE + " records artifact sha256 " + e.artifactSha256() + " for " + name + "@" + release +
                " of " + owner + " but this build of it is " + sha256 + ": the owner signed the tag again";
        }
        return null;
    }

    /**
     * Drop a dependency's entry and its pinned genome.
     *
     * @param name the dependency.
     * @return the updated lock.
     * @throws IOException when the files cannot be written.
     */
    public CellLock unpin(final String name) throws IOException
    {
        final Map<String, Entry> updated = new TreeMap<>(entries);
        updated.remove(name);
        Files.deleteIfExists(genomeFile(name));
        final CellLock lock = new CellLock(root, updated);
        lock.write();
        return lock;
    }

    private void write() throws IOException
    {
        final StringBuilder sb = new StringBuilder(512);
        sb.append("# Cell.lock: the genomes this cell's @CellRemote clients were built against, kept in ")
            .append(GENOMES).append("/.\n")
            .append("# Commit both. `cell lock --update` re-resolves every dependency and rewrites them.\n");
        for (final Entry e : entries.values())
        {
            sb.append("\n[deps.\"").append(e.name()).append("\"]\n")
                .append("version = \"").append(escape(e.version())).append("\"\n")
                .append("fingerprint = \"").append(e.fingerprint()).append("\"\n")
                .append("source = \"").append(escape(e.source())).append("\"\n");
            if (!e.validated().isEmpty())
            {
                sb.append("validated = [").append(String.join(", ", e.validated().stream()
                    .map(v -> "\"" + escape(v) + "\"").toList())).append("]\n")
                    .append("validated_at = \"").append(escape(e.validatedAt())).append("\"\n");
            }
            if (!e.owner().isEmpty())
            {
                sb.append("owner = \"").append(escape(e.owner())).append("\"\n");
            }
            if (!e.release().isEmpty())
            {
                sb.append("release = \"").append(escape(e.release())).append("\"\n")
                    .append("artifact_sha256 = \"").append(escape(e.artifactSha256())).append("\"\n");
            }
        }
        writeAtomically(root.resolve(FILE), sb.toString());
    }

    private static String escape(final String s)
    {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void writeAtomically(final Path target, final String text) throws IOException
    {
        final Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() +
            ".tmp");
        Files.writeString(tmp, text);
        try
        {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
