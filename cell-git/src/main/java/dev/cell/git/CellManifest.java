package dev.cell.git;

import dev.cell.compiler.deps.SourceGenomes;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.TissueConfig;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tag's {@code Cell.json}: what a consumer needs to know about the cell at that tag before it builds it — name,
 * version and genome fingerprint (derived from the sources at the tag with {@code javac -proc:only}, as a consumer's
 * build would), the commit, the build recipe, and who pushed the tag. Kept outside the git tree, under the
 * repository's {@code cell/tags/<tag>/Cell.json}, and served at {@code /<org>/<name>/tags/<tag>/Cell.json}.
 * The artifact hash of the reproducible build is not known at push time; it is {@code null} here, and the owner's
 * signed manifest ({@link SignedManifest}, pushed by {@code cell release}) carries it.
 *
 * @since 0.1
 */
public final class CellManifest
{
    /**
     * File name of a manifest.
     */
    public static final String FILE_NAME = "Cell.json";

    private CellManifest()
    {
    }

    /**
     * @param repository a bare repository folder.
     * @param tag        a tag name.
     * @return where its manifest is kept.
     */
    public static Path file(final Path repository, final String tag)
    {
        return repository.resolve("cell").resolve("tags").resolve(tag).resolve(FILE_NAME);
    }

    /**
     * @param repository a bare repository folder.
     * @param tag        a tag name.
     * @return where the owner's signed manifest of the tag is kept once pushed ({@link SignedManifest}); its
     * signature is {@code Cell.json.sig} beside it.
     */
    public static Path signedFile(final Path repository, final String tag)
    {
        return repository.resolve("cell").resolve("tags").resolve(tag).resolve("signed").resolve(FILE_NAME);
    }

    /**
     * Derive and write the manifest of one tag.
     *
     * @param repository a bare repository folder.
     * @param tag        the tag.
     * @param commit     the commit it names.
     * @param pushedBy   the pusher's public identity.
     * @return the manifest written.
     * @throws IllegalArgumentException when the tag holds no cell (no {@code cell.toml} with {@code [cell]}, or
     *                                  sources that yield no genome).
     * @throws IOException              when it cannot be written.
     */
    public static Map<String, Object> write(final Path repository, final String tag, final String commit,
        final String pushedBy) throws IOException
    {
        final Path clone = Files.createTempDirectory("cell-git-tag-");
        try
        {
            try (Git ignored = Git.cloneRepository().setURI(repository.toUri().toString())
                .setDirectory(clone.toFile()).setBranch("refs/tags/" + tag).setCloneAllBranches(false).call())
            {
                // checked out at the tag
            }
            catch (final GitAPIException ex)
            {
                throw new IllegalArgumentException("cannot check out tag " + tag + ": " + ex.getMessage(), ex);
            }
            final TissueConfig.CellSpec cell = TissueConfig.loadCell(clone);
            final Genome genome = SourceGenomes.fromDirectory(clone, cell.name());
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", genome.cell());
            m.put("version", genome.version());
            m.put("fingerprint", genome.fingerprint());
            m.put("tag", tag);
            m.put("commit", commit);
            m.put("recipe", cell.recipe() != null ? cell.recipe().manifest() : recipe(clone));
            m.put("artifactSha256", null);
            m.put("pushedBy", pushedBy);
            m.put("createdEpochMs", System.currentTimeMillis());
            final Path file = file(repository, tag);
            PrivateFiles.createDirectories(file.getParent());
            PrivateFiles.writeAtomically(file, FILE_NAME + ".tmp", Json.write(m) + "\n");
            return m;
        }
        finally
        {
            InstanceRegistry.deleteTree(clone);
        }
    }

    /**
     * @param repository a bare repository folder.
     * @param cellHome   this host's cell home.
     * @return the live instances of the repository's cell (named by its newest manifest, else by the repository),
     * as JSON: every host's that the registry lists (when a registry replica runs on this host and its view is
     * fresh), then this host's instances the registry does not list (those without an axon endpoint).
     * @throws IOException when a manifest cannot be read.
     */
    public static String instances(final Path repository, final Path cellHome) throws IOException
    {
        final String cell = cellOf(repository);
        final List<Object> live = new java.util.ArrayList<>();
        final java.util.Set<String> listed = new java.util.HashSet<>();
        final List<RegistryView.Entry> registry = RegistryView.read(cellHome, cell);
        for (final RegistryView.Entry e : registry)
        {
            final Map<String, Object> i = new LinkedHashMap<>();
            i.put("instance", e.instanceId());
            i.put("host", e.host());
            i.put("region", e.region());
            i.put("axon", e.axon());
            i.put("identity", e.identity());
            i.put("version", e.version());
            i.put("fingerprint", e.fingerprint());
            i.put("p50Us", e.load().p50Us());
            i.put("p99Us", e.load().p99Us());
            i.put("queueDepth", e.load().queueDepth());
            i.put("callsPerSecond", e.load().callsPerSecond());
            live.add(i);
            listed.add(e.instanceId());
        }
        for (final var r : InstanceRegistry.live(cellHome, cell))
        {
            if (listed.add(r.instanceId()))
            {
                final Map<String, Object> i = new LinkedHashMap<>();
                i.put("instance", r.instanceId());
                i.put("host", RegistryView.hostLabel());
                i.put("pid", r.pid());
                i.put("fingerprint", r.fingerprint());
                i.put("latency", r.latency());
                if (r.axon() != null && !r.axon().isBlank())
                {
                    i.put("axon", r.axon());
                }
                live.add(i);
            }
        }
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", cell);
        m.put("source", registry.isEmpty() ? "this host" : "registry and this host");
        m.put("instances", live);
        return Json.write(m) + "\n";
    }

    private static String cellOf(final Path repository) throws IOException
    {
        String cell = repository.getFileName().toString().replaceFirst("\\.git$", "");
        long newest = -1;
        final Path tags = repository.resolve("cell").resolve("tags");
        if (Files.isDirectory(tags))
        {
            try (var dirs = Files.list(tags))
            {
                for (final Path t : dirs.toList())
                {
                    final Path f = t.resolve(FILE_NAME);
                    if (Files.isRegularFile(f) && Files.getLastModifiedTime(f).toMillis() > newest)
                    {
                        newest = Files.getLastModifiedTime(f).toMillis();
                        cell = String.valueOf(Json.parseObject(Files.readString(f)).get("name"));
                    }
                }
            }
        }
        return cell;
    }

    private static Map<String, Object> recipe(final Path clone)
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        if (Files.isRegularFile(clone.resolve("pom.xml")))
        {
            r.put("build", "maven");
            r.put("command", List.of("mvn", "-B", "-o", "package", "-DskipTests"));
        }
        else
        {
            r.put("build", "none");
        }
        return r;
    }
}
