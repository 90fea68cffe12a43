package dev.cell.git;

import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.identity.Identity;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.Capsid;
import dev.cell.tissue.build.SourceBuild;
import dev.cell.tissue.config.TissueConfig;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cell release}: the owner's half of build-and-verify. The tag is checked out afresh (so neither the working
 * tree's edits nor its {@code target/} leak in), built as every consumer will build it ({@link SourceBuild}), and
 * the jar's SHA-256 goes into a {@code Cell.json} signed by the owner's identity, stored in the repository as
 * {@link SignedManifest#ref(String)}, and offered to this host's registry replica (which agrees its hash once,
 * for every host); {@link #push} sends the tag and that ref.
 * <p>
 * Who may sign: when the cell's {@code [auth] owners} lists identities, only those; when it lists none, any
 * identity may sign, and what makes it the owner is that consumers pin it ({@code cell spawn --key}, {@code [deps]
 * owner}). Either way a consumer believes only the key it pinned.
 *
 * @since 0.3
 */
public final class Release
{
    private Release()
    {
    }

    /**
     * Build a tag and sign its manifest.
     *
     * @param repoDir  the owner's repository (its work tree), with the cell at its root.
     * @param tag      an existing tag.
     * @param signer   the owner's identity.
     * @param cellHome this host's cell home (the build's scratch folder is under it).
     * @param resolve  true to resolve Maven dependencies with the network first.
     * @param timeout  how long one Maven run may take.
     * @param out      where progress goes.
     * @return the signed manifest, already stored under its ref.
     * @throws UserError when the tag is missing, the signer is not an owner or the build fails.
     */
    public static SignedManifest release(final Path repoDir, final String tag, final Identity signer,
        final Path cellHome, final boolean resolve, final Duration timeout, final PrintWriter out)
    {
        Ribosome.checkTag(tag);
        final Path scratch;
        try
        {
            scratch = Files.createTempDirectory(dev.cell.ring.PrivateFiles.createDirectories(
                cellHome.resolve("release")), "build-");
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot create a build folder under " + cellHome + ": " + ex.getMessage(), ex);
        }
        try (Git owner = open(repoDir))
        {
            final Repository repo = owner.getRepository();
            final ObjectId tagged = repo.resolve("refs/tags/" + tag + "^{commit}");
            if (tagged == null)
            {
                throw new UserError(repoDir + " has no tag " + tag + ": commit, then `git tag " + tag +
                    "`, then release it");
            }
            final Instant commitTime;
            try (RevWalk walk = new RevWalk(repo))
            {
                final RevCommit c = walk.parseCommit(tagged);
                commitTime = Instant.ofEpochSecond(c.getCommitTime());
            }
            final Path dir = scratch.resolve("src");
            Ribosome.cloneAt(repo.getDirectory().toURI().toString(), tag, dir).close();
            final TissueConfig.CellSpec cell = TissueConfig.loadCell(dir);
            final List<String> owners = cell.axon().owners();
            if (!owners.isEmpty() && !owners.contains(signer.publicId()))
            {
                throw new UserError("cell '" + cell.name() + "' at " + tag + " lists [auth] owners " + owners +
                    " and this identity (" + signer.publicId() + ") is not one of them: sign with an owner's key " +
                    "(--key-file), or add this one to owners in a new tag");
            }
            final Capsid.Options sandbox = Capsid.support().namespaces() ? Capsid.Options.offline(cellHome) : null;
            final SourceBuild.Result built = SourceBuild.build(dir, commitTime, sandbox, resolve, timeout, out);
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", SignedManifest.FORMAT);
            m.put("name", built.genome().cell());
            m.put("version", built.genome().version());
            m.put("fingerprint", built.genome().fingerprint());
            m.put("tag", tag);
            m.put("commit", tagged.name());
            m.put("recipe", recipe(cell, commitTime));
            m.put("artifact", built.jar().getFileName().toString());
            m.put("artifactSha256", built.sha256());
            m.put("owner", signer.publicId());
            final SignedManifest manifest = SignedManifest.sign(m, signer);
            manifest.writeRef(repo, tag);
            manifest.offerToRegistry(cellHome);
            return manifest;
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot release " + tag + " of " + repoDir + ": " + ex.getMessage(), ex);
        }
        finally
        {
            InstanceRegistry.deleteTree(scratch);
        }
    }

    /**
     * Push a released tag and its signed manifest.
     *
     * @param repoDir the owner's repository.
     * @param url     where to push ({@code http://host:port/<org>/<name>} for cell-git).
     * @param tag     the tag.
     * @param token   the password to send (a {@link PushToken} for cell-git), or null for none.
     * @return one line per ref pushed.
     * @throws UserError when the push is refused.
     */
    public static List<String> push(final Path repoDir, final String url, final String tag, final String token)
    {
        try (Git git = open(repoDir))
        {
            final var push = git.push().setRemote(url).setRefSpecs(
                new RefSpec("refs/tags/" + tag + ":refs/tags/" + tag),
                new RefSpec("+" + SignedManifest.ref(tag) + ":" + SignedManifest.ref(tag)));
            if (token != null)
            {
                push.setCredentialsProvider(new UsernamePasswordCredentialsProvider("cell", token));
            }
            final List<String> lines = new java.util.ArrayList<>();
            for (final PushResult result : push.call())
            {
                for (final RemoteRefUpdate u : result.getRemoteUpdates())
                {
                    final RemoteRefUpdate.Status s = u.getStatus();
                    if (s != RemoteRefUpdate.Status.OK && s != RemoteRefUpdate.Status.UP_TO_DATE)
                    {
                        throw new UserError("push of " + u.getRemoteName() + " to " + url + " refused: " + s +
                            (u.getMessage() == null ? "" : " (" + u.getMessage() + ")") +
                            (result.getMessages().isBlank() ? "" : "\n" + result.getMessages().strip()));
                    }
                    lines.add(u.getRemoteName() + " " + s.name().toLowerCase(java.util.Locale.ROOT));
                }
                if (!result.getMessages().isBlank())
                {
                    lines.add(result.getMessages().strip());
                }
            }
            return lines;
        }
        catch (final GitAPIException ex)
        {
            throw new UserError("cannot push " + tag + " to " + url + ": " + ex.getMessage(), ex);
        }
    }

    private static Map<String, Object> recipe(final TissueConfig.CellSpec cell, final Instant commitTime)
    {
        final Map<String, Object> r = new LinkedHashMap<>();
        if (cell.recipe() != null)
        {
            r.putAll(cell.recipe().manifest());
        }
        else
        {
            r.put("build", "maven");
            r.put("command", List.of("mvn", "-B", "-o", "clean", "package",
                "-Dproject.build.outputTimestamp=" + SourceBuild.outputTimestamp(commitTime), "-DskipTests"));
        }
        r.put("umask", "022");
        r.put("outputTimestamp", SourceBuild.outputTimestamp(commitTime));
        return r;
    }

    private static Git open(final Path repoDir)
    {
        try
        {
            return Git.open(repoDir.toFile());
        }
        catch (final IOException ex)
        {
            throw new UserError(repoDir + " is not a git repository (" + ex.getMessage() + "): a release is a tag " +
                "of the cell's repository", ex);
        }
    }
}
