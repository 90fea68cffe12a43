package dev.cell.runtime.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What this host's registry replica knows of a cell's live instances on every host, as files its agent writes:
 * {@code $CELL_HOME/registry/view/<cell>}, one line per instance with an axon endpoint (instance id, axon
 * {@code host:port}, identity key, fingerprint, host label, region; tab-separated), rewritten whenever the list
 * changes and at least every second. So a client reaches instances on other hosts with no registry code and no call
 * of its own: it reads a file, as it reads the run files of this host's instances. A view older than
 * {@link #MAX_AGE_MS} (its replica stopped or is stuck) is not used.
 * <p>
 * Written by a process of the same user (0600); read defensively all the same: at most {@link #MAX_BYTES}, malformed
 * lines skipped.
 *
 * @since 0.3
 */
public final class RegistryView
{
    /**
     * A view not rewritten for this long is ignored, ms.
     */
    public static final long MAX_AGE_MS = 5_000;
    /**
     * The most of a view file read, bytes.
     */
    public static final int MAX_BYTES = 1 << 20;
    private static final Pattern CELL = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,99}");

    private RegistryView()
    {
    }

    /**
     * One instance of a view.
     *
     * @param instanceId its id.
     * @param axon       its axon endpoint, {@code host:port}.
     * @param identity   its identity key (the key its axon proves).
     * @param fingerprint its genome fingerprint (16 hex digits).
     * @param host       the host label it was announced with.
     * @param region     its region label (may be empty).
     */
    public record Entry(String instanceId, String axon, String identity, String fingerprint, String host,
        String region)
    {
    }

    /**
     * @param cellHome a cell home.
     * @return the folder of its views.
     */
    public static Path dir(final Path cellHome)
    {
        return cellHome.resolve("registry").resolve("view");
    }

    /**
     * @return one line of a view file (its writer's format).
     */
    public static String line(final String instanceId, final String axon, final String identity,
        final String fingerprint, final String host, final String region)
    {
        return instanceId + '\t' + axon + '\t' + identity + '\t' + fingerprint + '\t' + host + '\t' + region + '\n';
    }

    /**
     * @param cellHome a cell home.
     * @param cell     a cell name.
     * @return the cell's instances in this host's view; empty when there is no fresh view.
     */
    public static List<Entry> read(final Path cellHome, final String cell)
    {
        final List<Entry> entries = new ArrayList<>();
        if (!CELL.matcher(cell).matches())
        {
            return entries;
        }
        final Path file = dir(cellHome).resolve(cell);
        try
        {
            if (System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() > MAX_AGE_MS)
            {
                return entries;
            }
            final byte[] bytes;
            try (InputStream in = Files.newInputStream(file))
            {
                bytes = in.readNBytes(MAX_BYTES);
            }
            for (final String line : new String(bytes, StandardCharsets.UTF_8).split("\n"))
            {
                final String[] f = line.split("\t", -1);
                if (f.length == 6 && !f[0].isEmpty() && !f[1].isEmpty())
                {
                    entries.add(new Entry(f[0], f[1], f[2], f[3], f[4], f[5]));
                }
            }
        }
        catch (final NoSuchFileException absent)
        {
            return entries;
        }
        catch (final IOException unreadable)
        {
            return List.of();
        }
        return entries;
    }
}
