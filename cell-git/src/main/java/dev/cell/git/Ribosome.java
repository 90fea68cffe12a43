package dev.cell.git;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.identity.Identity;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.build.Capsid;
import dev.cell.tissue.build.SourceBuild;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.config.TissueConfig.CellSpec;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.SupervisorLock;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.RefSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code cell spawn}: build a cell from its repository at a tag and keep the result only when it is what the
 * owner released. In order, each step refusing with a message that names what it found:
 * <ol>
 *     <li>clone the tag (JGit) into {@code $CELL_HOME/spawn/<repository>/<tag>/};</li>
 *     <li>fetch {@link SignedManifest#ref(String)}; none: refused as unsigned;</li>
 *     <li>check the signature against the owner key the consumer pinned ({@link Request#ownerKey()}, else the key
 *     pinned in {@code $CELL_HOME/spawn/<repository>/owner} by an earlier trust-on-first-use); a manifest signed by
 *     any other key, or whose signature does not hold, is refused; with no pin at all it is refused unless
 *     {@link Request#trustOnFirstUse()}, which pins the signer for next time;</li>
 *     <li>the cell at the tag must be the one the manifest names and, when its {@code [auth] owners} lists
 *     identities, the signer must be among them;</li>
 *     <li>when a registry replica runs on this host ({@link RegistryView#releases}), the manifest's hash must be the
 *     one the registry agreed for that cell, tag and owner key, else it is refused naming both;
 *     a release the registry does not know yet is offered to it once verified;</li>
 *     <li>resolve Maven dependencies with the network (unless {@link Request#resolve()} is false), then build
 *     offline in a {@link Capsid} ({@link SourceBuild}: Maven, or the cell's {@code [build]} command); where the OS
 *     gives no namespaces the build is refused
 *     unless {@link Request#allowUnconfined()};</li>
 *     <li>compare the jar's SHA-256 with the manifest's; a mismatch is refused naming both;</li>
 *     <li>store the jar in the {@link ArtifactStore}; the cell's folder then starts like any other
 *     ({@code Mitosis} without a build).</li>
 * </ol>
 * A refused spawn deletes its clone, so nothing unverified stays in the cache.
 *
 * @since 0.3
 */
public final class Ribosome
{
    /**
     * File, in the cell folder's {@code .cell/}, recording where a spawned cell came from.
     */
    public static final String SPAWN_RECORD = "spawn.json";

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private Ribosome()
    {
    }

    /**
     * What to spawn.
     *
     * @param url             the repository ({@code http://…}, {@code file:…} or a path).
     * @param tag             the tag.
     * @param ownerKey        the owner identity the consumer pins, or null.
     * @param trustOnFirstUse true to accept the signer when nothing is pinned (and pin it).
     * @param resolve         true to resolve dependencies with the network before the offline build.
     * @param allowUnconfined true to build with only the cgroup where namespaces are not available.
     * @param timeout         how long one Maven run may take.
     */
    public record Request(String url, String tag, String ownerKey, boolean trustOnFirstUse, boolean resolve,
        boolean allowUnconfined, Duration timeout)
    {
        /**
         * @param urlAtTag {@code <url>@<tag>}.
         * @return a request that pins nothing, resolves online, needs the sandbox and allows 10 minutes a build.
         * @throws UserError when there is no {@code @<tag>}.
         */
        public static Request of(final String urlAtTag)
        {
            final int at = urlAtTag.lastIndexOf('@');
            if (at <= 0 || at == urlAtTag.length() - 1 || urlAtTag.substring(at).contains("/"))
            {
                throw new UserError("'" + urlAtTag + "' names no tag: write <repository-url>@<tag>, e.g. " +
                    "http://127.0.0.1:7780/acme/quotes@v1.0.0");
            }
            return new Request(urlAtTag.substring(0, at), urlAtTag.substring(at + 1), null, false, true, false,
                Duration.ofMinutes(10));
        }

        /**
         * @param value another repository for the same release (a vendored bundle of it).
         * @return a copy with it.
         */
        public Request withUrl(final String value)
        {
            return new Request(value, tag, ownerKey, trustOnFirstUse, resolve, allowUnconfined, timeout);
        }

        /**
         * @param key the owner identity to pin, or null.
         * @return a copy with it.
         */
        public Request withOwnerKey(final String key)
        {
            return new Request(url, tag, key, trustOnFirstUse, resolve, allowUnconfined, timeout);
        }

        /**
         * @param value whether to trust the signer when nothing is pinned.
         * @return a copy with it.
         */
        public Request withTrustOnFirstUse(final boolean value)
        {
            return new Request(url, tag, ownerKey, value, resolve, allowUnconfined, timeout);
        }

        /**
         * @param value whether to resolve dependencies with the network first.
         * @return a copy with it.
         */
        public Request withResolve(final boolean value)
        {
            return new Request(url, tag, ownerKey, trustOnFirstUse, value, allowUnconfined, timeout);
        }

        /**
         * @param value whether to build unconfined where the sandbox is not available.
         * @return a copy with it.
         */
        public Request withAllowUnconfined(final boolean value)
        {
            return new Request(url, tag, ownerKey, trustOnFirstUse, resolve, value, timeout);
        }
    }

    /**
     * A verified build, stored and ready to start.
     *
     * @param cell     the cell (its folder is the clone).
     * @param sha256   the jar's SHA-256, equal to the signed manifest's.
     * @param owner    the identity that signed the manifest (the pinned one).
     * @param commit   the commit the tag named.
     * @param manifest the signed manifest.
     * @param sandbox  what the build's sandbox enforced.
     */
    public record Spawned(CellSpec cell, String sha256, String owner, String commit, SignedManifest manifest,
        List<String> sandbox)
    {
        /**
         * @return the cell's folder.
         */
        public Path dir()
        {
            return cell.dir();
        }
    }

    /**
     * Clone, verify, build and store.
     *
     * @param cellHome the consumer's cell home.
     * @param request  what to spawn.
     * @param out      where progress goes.
     * @return the verified cell.
     * @throws UserError with the reason whenever the build is not the owner's release.
     */
    public static Spawned spawn(final Path cellHome, final Request request, final PrintWriter out)
    {
        checkTag(request.tag());
        if (request.ownerKey() != null && !Identity.isPublicId(request.ownerKey()))
        {
            throw new UserError("'" + request.ownerKey() + "' is not an Ed25519 public identity (" +
                Identity.PREFIX + "<43 base64url characters>; the owner's `cell id` prints it)");
        }
        final Path repoCache = cellHome.resolve("spawn").resolve(slug(request.url()));
        final Path dir = repoCache.resolve(request.tag());
        clearForClone(cellHome, dir);
        boolean keep = false;
        try
        {
            PrivateFiles.createDirectories(repoCache);
            progress(out, request, "cloning " + request.url() + " at " + request.tag() + " into " + dir);
            final String commit;
            final Instant commitTime;
            final SignedManifest manifest;
            try (Git git = cloneAt(request.url(), request.tag(), dir))
            {
                final ObjectId head = git.getRepository().resolve(Constants.HEAD);
                try (RevWalk walk = new RevWalk(git.getRepository()))
                {
                    final RevCommit c = walk.parseCommit(head);
                    commit = c.name();
                    commitTime = Instant.ofEpochSecond(c.getCommitTime());
                }
                manifest = fetchManifest(git, request);
            }
            final String owner = checkSigner(repoCache, request, manifest);
            final CellSpec cell = TissueConfig.loadCell(dir);
            checkCell(request, manifest, cell, owner);
            final RegistryView.Releases registry = checkAgreed(cellHome, request, manifest, owner);
            progress(out, request, agreement(registry, manifest, owner));
            final Capsid.Support support = Capsid.support();
            if (!support.namespaces() && !request.allowUnconfined())
            {
                throw new UserError("cannot build " + request.url() + "@" + request.tag() + " in a sandbox here: " +
                    support.reason() + "; its build would run with its user's network and write access. Pass " +
                    "--unconfined-build to build it with only a cgroup");
            }
            progress(out, request, "signed by " + owner + "; building " + (support.namespaces() ?
                "in the sandbox" : "with only a cgroup (--unconfined-build: " + support.reason() + ")") + " (" +
                (request.resolve() ? "dependencies resolved first, with the network; " : "") + "build offline)");
            final SourceBuild.Result built = SourceBuild.build(dir, commitTime, Capsid.Options.offline(cellHome),
                request.resolve(), request.timeout(), out);
            final String expected = manifest.field("artifactSha256");
            if (!expected.equals(built.sha256()))
            {
                throw new UserError("refused: " + request.url() + "@" + request.tag() + " builds to artifact " +
                    "sha256 " + built.sha256() + " but its Cell.json, signed by " + owner + ", says " + expected +
                    (commit.equals(manifest.field("commit")) ? "" : " (the tag names commit " + commit +
                    "; the release was built from " + manifest.field("commit") + ")") + ": the source at the tag " +
                    "is not what the owner released, so it is not started");
            }
            new ArtifactStore(cellHome).store(cell);
            record(dir, request, commit, owner, built.sha256());
            if (registry.fresh() && registry.find(manifest.field("name"), request.tag(), owner) == null)
            {
                manifest.offerToRegistry(cellHome);
            }
            pinOnFirstUse(repoCache, request, owner, out);
            keep = true;
            return new Spawned(cell, built.sha256(), owner, commit, manifest, built.sandbox());
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot spawn " + request.url() + "@" + request.tag() + ": " + ex.getMessage(), ex);
        }
        finally
        {
            if (!keep)
            {
                InstanceRegistry.deleteTree(dir);
            }
        }
    }

    /**
     * A spawn already verified into this cell home, checked again without cloning or building: the clone at
     * {@code $CELL_HOME/spawn/<repository>/<tag>/} holds its signed manifest, whose signature must hold and be the
     * pinned owner's ({@link Request#ownerKey()}, else the key pinned on first use), and the jar built there must
     * still hash to the manifest's {@code artifactSha256} and be the one stored for it.
     *
     * @param cellHome the consumer's cell home.
     * @param request  what to spawn.
     * @return the verified cell, or null when there is no such build (clone and build it with {@link #spawn}).
     * @throws UserError when the cached build is there but no longer verifies (named; {@link #spawn} replaces it).
     */
    public static Spawned cached(final Path cellHome, final Request request)
    {
        checkTag(request.tag());
        final Path repoCache = cellHome.resolve("spawn").resolve(slug(request.url()));
        final Path dir = repoCache.resolve(request.tag());
        final Path recordFile = dir.resolve(".cell").resolve(SPAWN_RECORD);
        if (!Files.isRegularFile(recordFile))
        {
            return null;
        }
        try
        {
            final Map<String, Object> record = Json.parseObject(Files.readString(recordFile));
            if (!request.url().equals(record.get("url")) || !request.tag().equals(record.get("tag")))
            {
                return null;
            }
            final SignedManifest manifest;
            try (Git git = Git.open(dir.toFile()))
            {
                manifest = SignedManifest.readRef(git.getRepository(), request.tag());
            }
            final String owner = checkSigner(repoCache, request, manifest);
            final CellSpec cell = TissueConfig.loadCell(dir);
            checkCell(request, manifest, cell, owner);
            checkAgreed(cellHome, request, manifest, owner);
            final Path jar = ArtifactStore.builtJar(dir);
            final String expected = manifest.field("artifactSha256");
            final String actual = jar == null ? "none" : ArtifactStore.sha256Hex(jar);
            if (!expected.equals(actual) || ArtifactStore.currentArtifact(cell) == null)
            {
                throw new UserError("the cached build of " + request.url() + "@" + request.tag() + " in " + dir +
                    " no longer verifies: its jar hashes to " + actual + " and its Cell.json, signed by " + owner +
                    ", says " + expected);
            }
            return new Spawned(cell, actual, owner, String.valueOf(record.get("commit")), manifest,
                List.of("cached: built and verified at " + Instant.ofEpochMilli(((Number)record.get(
                "spawnedEpochMs")).longValue()) + "; its jar hashed again now"));
        }
        catch (final UserError ex)
        {
            throw ex; // there, but it does not verify
        }
        catch (final IOException | IllegalArgumentException | ClassCastException | NullPointerException ex)
        {
            return null; // not a complete cached spawn: cloned and built again
        }
    }

    /**
     * @param url a repository URL.
     * @return the folder name its spawns are cached under: a readable part and 8 hex digits of its hash.
     */
    public static String slug(final String url)
    {
        final String readable = url.replaceFirst("^[a-z]+://", "").replaceFirst("\\.git$", "")
            .toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "_").replaceAll("^[._]+", "");
        try
        {
            final byte[] h = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return (readable.length() > 60 ? readable.substring(readable.length() - 60) : readable) + "-" +
                HexFormat.of().formatHex(h).substring(0, 8);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    static void checkTag(final String tag)
    {
        if (!TAG.matcher(tag).matches())
        {
            throw new UserError("tag '" + tag + "': a released tag is letters, digits, '.', '_' and '-' (at most " +
                "128), starting with a letter or digit");
        }
    }

    static Git cloneAt(final String url, final String tag, final Path dir) throws IOException
    {
        try
        {
            return Git.cloneRepository().setURI(url).setDirectory(dir.toFile()).setBranch(Constants.R_TAGS + tag)
                .setCloneAllBranches(false).call();
        }
        catch (final GitAPIException | org.eclipse.jgit.api.errors.JGitInternalException ex)
        {
            throw new UserError("cannot clone " + url + " at tag " + tag + ": " + ex.getMessage(), ex);
        }
    }

    private static SignedManifest fetchManifest(final Git git, final Request request) throws IOException
    {
        final String ref = SignedManifest.ref(request.tag());
        try
        {
            boolean present = false;
            for (final Ref r : git.lsRemote().setRemote("origin").call())
            {
                present |= r.getName().equals(ref);
            }
            if (!present)
            {
                throw new UserError("refused: " + request.url() + " has no signed Cell.json for " + request.tag() +
                    " (no " + ref + "): an unsigned release is not built. The owner publishes one with `cell " +
                    "release <dir> " + request.tag() + " --push " + request.url() + "`");
            }
            git.fetch().setRemote("origin").setRefSpecs(new RefSpec("+" + ref + ":" + ref)).call();
        }
        catch (final GitAPIException ex)
        {
            throw new UserError("cannot fetch " + ref + " from " + request.url() + ": " + ex.getMessage(), ex);
        }
        try
        {
            return SignedManifest.readRef(git.getRepository(), request.tag());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UserError("refused: " + ref + " of " + request.url() + " holds no well-formed signed " +
                "Cell.json: " + ex.getMessage(), ex);
        }
    }

    private static String checkSigner(final Path repoCache, final Request request, final SignedManifest manifest)
        throws IOException
    {
        final String where = request.url() + "@" + request.tag();
        final Path pinFile = repoCache.resolve("owner");
        String pinned = request.ownerKey();
        String pinnedBy = "the pinned key";
        if (pinned == null && Files.isRegularFile(pinFile))
        {
            pinned = Files.readString(pinFile).strip();
            pinnedBy = "the key pinned on first use in " + pinFile;
        }
        final String problem = manifest.problem(request.tag());
        if (problem != null)
        {
            throw new UserError("refused: the Cell.json of " + where + " cannot be believed: " + problem);
        }
        if (pinned == null)
        {
            if (!request.trustOnFirstUse())
            {
                throw new UserError("refused: no owner key is pinned for " + request.url() + " and its Cell.json " +
                    "is signed by " + manifest.signer() + ". Pin the owner's identity (their `cell id`) with " +
                    "--key, or owner = \"...\" in the [deps] entry, or accept this signer once with " +
                    "--trust-on-first-use");
            }
            return manifest.signer();
        }
        if (!pinned.equals(manifest.signer()))
        {
            throw new UserError("refused: the Cell.json of " + where + " is signed by " + manifest.signer() +
                ", not by the owner " + pinned + " (" + pinnedBy + "): it was not released by the owner you pinned");
        }
        return pinned;
    }

    private static void checkCell(final Request request, final SignedManifest manifest, final CellSpec cell,
        final String owner)
    {
        final String name = manifest.field("name");
        if (!cell.name().replaceFirst("@[0-9]+$", "").equals(name))
        {
            throw new UserError("refused: " + request.url() + "@" + request.tag() + " holds cell '" + cell.name() +
                "' but its signed Cell.json is for '" + name + "'");
        }
        final List<String> owners = cell.axon().owners();
        if (!owners.isEmpty() && !owners.contains(owner))
        {
            throw new UserError("refused: cell '" + cell.name() + "' at " + request.tag() + " lists [auth] owners " +
                owners + " and its Cell.json is signed by " + owner + ", who is not one of them");
        }
    }

    /**
     * @return what this host's registry replica agreed for the release; refused when it agreed another hash.
     */
    private static RegistryView.Releases checkAgreed(final Path cellHome, final Request request,
        final SignedManifest manifest, final String owner)
    {
        final RegistryView.Releases registry = RegistryView.releases(cellHome, manifest.field("name"));
        final RegistryView.Release agreed = registry.find(manifest.field("name"), request.tag(), owner);
        final String says = manifest.field("artifactSha256");
        if (agreed != null && !agreed.sha256().equals(says))
        {
            throw new UserError("refused: the registry agreed artifact sha256 " + agreed.sha256() + " for " +
                agreed.cell() + "@" + agreed.tag() + " of " + owner + " (log index " + agreed.recordedIndex() +
                ") but the Cell.json of " + request.url() + "@" + request.tag() + ", signed by the same key, says " +
                says + ": a released tag was signed again with another build, so it is not started");
        }
        return registry;
    }

    private static String agreement(final RegistryView.Releases registry, final SignedManifest manifest,
        final String owner)
    {
        if (!registry.fresh())
        {
            return "no registry replica runs on this host: the hash is checked against the signed Cell.json alone";
        }
        final RegistryView.Release agreed = registry.find(manifest.field("name"), manifest.field("tag"), owner);
        return agreed == null ? "the registry knows no hash for this release yet; it is offered to it once verified" :
            "the registry agrees artifact sha256 " + agreed.sha256() + " (log index " + agreed.recordedIndex() + ")";
    }

    private static void clearForClone(final Path cellHome, final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try
        {
            SupervisorLock.checkFree(cellHome, TissueTree.load(dir));
        }
        catch (final UserError ex)
        {
            if (ex.getMessage() != null && ex.getMessage().contains("already supervised"))
            {
                throw new UserError("a spawn of this tag is running from " + dir + "; stop it first (`cell stop " +
                    dir + "`): " + ex.getMessage(), ex);
            }
            // Not a cell any more (a refused spawn's leftovers): replaced below.
        }
        catch (final RuntimeException ignore)
        {
            // An unreadable leftover: replaced below.
        }
        InstanceRegistry.deleteTree(dir);
    }

    private static void record(final Path dir, final Request request, final String commit, final String owner,
        final String sha256) throws IOException
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", request.url());
        m.put("tag", request.tag());
        m.put("commit", commit);
        m.put("owner", owner);
        m.put("artifactSha256", sha256);
        m.put("spawnedEpochMs", System.currentTimeMillis());
        final Path file = dir.resolve(".cell").resolve(SPAWN_RECORD);
        PrivateFiles.createDirectories(file.getParent());
        PrivateFiles.write(file, Json.write(m) + "\n");
    }

    private static void pinOnFirstUse(final Path repoCache, final Request request, final String owner,
        final PrintWriter out) throws IOException
    {
        final Path pinFile = repoCache.resolve("owner");
        if (request.ownerKey() == null && !Files.isRegularFile(pinFile))
        {
            PrivateFiles.write(pinFile, owner + "\n");
            progress(out, request, "trusted on first use: owner " + owner + " pinned in " + pinFile);
        }
    }

    private static void progress(final PrintWriter out, final Request request, final String line)
    {
        out.println("spawn " + request.url() + "@" + request.tag() + ": " + line);
        out.flush();
    }
}
