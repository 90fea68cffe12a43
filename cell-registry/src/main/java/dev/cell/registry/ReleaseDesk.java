package dev.cell.registry;

import dev.cell.ledger.PrivateFiles;
import dev.cell.runtime.discovery.RegistryView;
import dev.cell.runtime.log.CellLog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;

/**
 * The host agent's part in agreeing releases: signed manifests left in {@link RegistryView#releaseOutbox} (by
 * {@code cell release}, and by a spawn once it verified one) are sent to the registry and removed once it recorded or
 * refused them, and every release the replica applied is written to {@link RegistryView#releasesFile}, which a spawn
 * on this host checks its build against.
 */
final class ReleaseDesk
{
    /**
     * Sends one record; answers true when the registry took or refused it for good, false when no replica answered.
     */
    interface Sender
    {
        boolean send(ReleaseRecord record, Path from);
    }

    private static final int MAX_FILE = Checks.MAX_MANIFEST + 1024;
    private static final int MAX_PER_SCAN = 64;

    private final Path home;
    private final Supplier<List<RegistryState.StoredRelease>> applied;
    private final CellLog log;
    private String written;

    ReleaseDesk(final Path home, final Supplier<List<RegistryState.StoredRelease>> applied, final CellLog log)
    {
        this.home = home;
        this.applied = applied;
        this.log = log;
    }

    /**
     * Send what waits in the outbox (at most {@value #MAX_PER_SCAN} a scan).
     *
     * @param sender how one record is sent.
     */
    void sendOffered(final Sender sender)
    {
        final Path dir = RegistryView.releaseOutbox(home);
        if (!Files.isDirectory(dir))
        {
            return;
        }
        int sent = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.release"))
        {
            for (final Path f : files)
            {
                if (sent++ == MAX_PER_SCAN)
                {
                    break;
                }
                final ReleaseRecord record = read(f);
                if (record == null || sender.send(record, f))
                {
                    Files.deleteIfExists(f);
                }
            }
        }
        catch (final IOException ex)
        {
            log.warn("registry.release.outbox.failed", "dir", dir.toString(), "error", String.valueOf(ex));
        }
    }

    /**
     * Write the releases file when it changed, or when {@code rewrite} (its time stamp is what readers call fresh).
     *
     * @param rewrite true to write it even unchanged.
     */
    void writeAgreed(final boolean rewrite)
    {
        final StringBuilder b = new StringBuilder();
        for (final RegistryState.StoredRelease r : applied.get())
        {
            b.append(RegistryView.releaseLine(new RegistryView.Release(r.cell(), r.tag(), r.version(), r.sha256(),
                r.signer(), r.recordedIndex())));
        }
        final String text = b.toString();
        if (!rewrite && text.equals(written))
        {
            return;
        }
        try
        {
            PrivateFiles.writeAtomically(RegistryView.releasesFile(home), text.getBytes(StandardCharsets.UTF_8),
                false);
            written = text;
        }
        catch (final IOException ex)
        {
            log.warn("registry.releases.write.failed", "error", String.valueOf(ex));
        }
    }

    /**
     * @return the record an outbox file holds (signer, base64url signature, then the manifest text), or null when it
     * is malformed (it is dropped).
     */
    private ReleaseRecord read(final Path file)
    {
        try (InputStream in = Files.newInputStream(file))
        {
            final String text = new String(in.readNBytes(MAX_FILE + 1), StandardCharsets.UTF_8);
            final int first = text.indexOf('\n');
            final int second = first < 0 ? -1 : text.indexOf('\n', first + 1);
            if (text.length() > MAX_FILE || second < 0)
            {
                log.warn("registry.release.malformed", "file", file.toString());
                return null;
            }
            return new ReleaseRecord(text.substring(second + 1), text.substring(0, first),
                Base64.getUrlDecoder().decode(text.substring(first + 1, second)));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            log.warn("registry.release.malformed", "file", file.toString(), "error", String.valueOf(ex));
            return null;
        }
    }
}
