package dev.cell.git;

import dev.cell.ring.PrivateFiles;
import dev.cell.tissue.UserError;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.transport.BundleWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * {@code offline_vendor}: a consumer keeps the releases it spawned as git bundles in its own folder,
 * {@code .cell-vendor/<dependency>/<tag>.bundle} (committed with it, like {@code .cell-genomes/}), holding the tag
 * and its signed manifest ref. When the repository cannot be reached, a spawn clones the bundle instead and checks it
 * exactly as it checks the server: the manifest must be signed by the pinned owner and the build must hash to the
 * signed artifact, so a vendored copy is trusted no more than the server it came from.
 *
 * @since 0.3
 */
final class VendoredRelease
{
    /**
     * Folder, in the consumer's folder, of its vendored releases.
     */
    static final String DIR = ".cell-vendor";

    private VendoredRelease()
    {
    }

    /**
     * @param consumerDir the consumer's folder.
     * @param dep         the dependency's name.
     * @param tag         the release's tag.
     * @return where its bundle is kept.
     */
    static Path bundle(final Path consumerDir, final String dep, final String tag)
    {
        return consumerDir.resolve(DIR).resolve(dep).resolve(tag + ".bundle");
    }

    /**
     * Write the bundle of a verified spawn's clone: the tag's commit (and its history) under {@code refs/tags/<tag>}
     * and the signed manifest under its ref.
     *
     * @param clone  the verified clone ({@link Ribosome.Spawned#dir()}).
     * @param tag    the tag.
     * @param bundle where to write it (replaced atomically).
     * @throws UserError when the clone cannot be read or the bundle not written.
     */
    static void write(final Path clone, final String tag, final Path bundle)
    {
        try (Git git = Git.open(clone.toFile()))
        {
            final ObjectId head = git.getRepository().resolve(Constants.HEAD);
            final Ref manifest = git.getRepository().exactRef(SignedManifest.ref(tag));
            if (head == null || manifest == null)
            {
                throw new UserError("cannot vendor " + clone + ": it has no " + (head == null ? "HEAD" :
                    SignedManifest.ref(tag)));
            }
            final BundleWriter writer = new BundleWriter(git.getRepository());
            writer.include(Constants.R_TAGS + tag, head);
            writer.include(manifest);
            PrivateFiles.createDirectories(bundle.getParent());
            final Path partial = bundle.resolveSibling(bundle.getFileName() + ".partial");
            try (OutputStream out = Files.newOutputStream(partial))
            {
                writer.writeBundle(NullProgressMonitor.INSTANCE, out);
            }
            Files.move(partial, bundle, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot vendor " + clone + " into " + bundle + ": " + ex.getMessage(), ex);
        }
    }
}
