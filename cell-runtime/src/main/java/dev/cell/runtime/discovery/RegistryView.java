package dev.cell.runtime.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What this host's registry replica knows of a cell's live instances on every host, as files its agent writes:
 * {@code $CELL_HOME/registry/view/<cell>}, one line per instance with an axon endpoint (instance id, axon
 * {@code host:port}, identity key, fingerprint, host label, region, and its reported load: p50 and p99 service time
 * in µs, queue depth, calls per second; and its genome's version; tab-separated), rewritten whenever the list
 * changes and at least every second. So a client reaches instances on other hosts with no registry code and no call
 * of its own: it reads a file, as it reads the run files of this host's instances. A view older than
 * {@link #MAX_AGE_MS} (its replica stopped or is stuck) is not used.
 * <p>
 * The agent also writes {@code $CELL_HOME/registry/uses/<cell>}: every consumer on every host that uses the cell's
 * handlers, as recorded in the registry (consumer, host label, identity, handler, handler fingerprint), which a
 * producer's build checks as it checks this host's consumers ({@link #uses}).
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
     * @param load       what it last reported.
     * @param version    the contract version of its genome ("0" when it announced none).
     */
    public record Entry(String instanceId, String axon, String identity, String fingerprint, String host,
        String region, Load load, String version)
    {
    }

    /**
     * The load an instance last reported with a renewal, as the registry leader's latest digest carried it (so up to
     * one digest interval, 1 s by default, old when the view is written).
     *
     * @param p50Us          median handler service time, microseconds (0: nothing served lately).
     * @param p99Us          99th percentile, microseconds.
     * @param queueDepth     calls accepted and not answered yet.
     * @param callsPerSecond calls served per second.
     */
    public record Load(int p50Us, int p99Us, int queueDepth, int callsPerSecond)
    {
        /**
         * Nothing reported.
         */
        public static final Load NONE = new Load(0, 0, 0, 0);
    }

    /**
     * One consumer's use of one handler, as the registry recorded it.
     *
     * @param consumer    the consumer's name.
     * @param host        the host label it was recorded from.
     * @param identity    the key that signed the record.
     * @param handler     the handler's name.
     * @param fingerprint the handler shape it was built against (16 hex digits).
     */
    public record Use(String consumer, String host, String identity, String handler, String fingerprint)
    {
    }

    /**
     * The uses of a cell this host's registry replica knows.
     *
     * @param uses  every recorded use; empty when there is no fresh file.
     * @param fresh whether the file was rewritten within {@link #MAX_AGE_MS} (false: no replica runs on this host, or
     *              it is stuck; remote consumers are then unknown here).
     */
    public record Uses(List<Use> uses, boolean fresh)
    {
    }

    /**
     * @param cellHome a cell home.
     * @return the folder of the uses files.
     */
    public static Path usesDir(final Path cellHome)
    {
        return cellHome.resolve("registry").resolve("uses");
    }

    /**
     * @return one line of a uses file (its writer's format).
     */
    public static String useLine(final String consumer, final String host, final String identity,
        final String handler, final String fingerprint)
    {
        return consumer + '\t' + host + '\t' + identity + '\t' + handler + '\t' + fingerprint + '\n';
    }

    /**
     * @param cellHome a cell home.
     * @param cell     a producer's served name.
     * @return the consumers every host recorded for it, as this host's replica applied them.
     */
    public static Uses uses(final Path cellHome, final String cell)
    {
        final List<String[]> lines = CELL.matcher(cell).matches() ? lines(usesDir(cellHome).resolve(cell), 5) : null;
        final List<Use> uses = new ArrayList<>();
        if (lines != null)
        {
            for (final String[] f : lines)
            {
                uses.add(new Use(f[0], f[1], f[2], f[3], f[4]));
            }
        }
        return new Uses(uses, lines != null);
    }

    /**
     * A release whose artifact hash the registry agreed ({@code Registry.recordRelease}): one per cell, tag and
     * owner key.
     *
     * @param cell          the cell's name.
     * @param tag           the released tag.
     * @param version       its genome's version.
     * @param sha256        its artifact's SHA-256.
     * @param signer        the owner key that signed it.
     * @param recordedIndex the registry log index that recorded it.
     */
    public record Release(String cell, String tag, String version, String sha256, String signer, long recordedIndex)
    {
    }

    /**
     * @param releases every agreed release (of one cell when read with {@link #releases(Path, String)}).
     * @param fresh    whether a registry replica on this host rewrote the file within {@link #MAX_AGE_MS} (false:
     *                 none runs here, so nothing can be checked against the registry).
     */
    public record Releases(List<Release> releases, boolean fresh)
    {
        /**
         * @param cell   a cell.
         * @param tag    a tag.
         * @param signer an owner key.
         * @return what the registry agreed for them, or null.
         */
        public Release find(final String cell, final String tag, final String signer)
        {
            for (final Release r : releases)
            {
                if (r.cell().equals(cell) && r.tag().equals(tag) && r.signer().equals(signer))
                {
                    return r;
                }
            }
            return null;
        }
    }

    /**
     * @param cellHome a cell home.
     * @return the file listing the releases the registry agreed, written by this host's replica every second.
     */
    public static Path releasesFile(final Path cellHome)
    {
        return cellHome.resolve("registry").resolve("releases");
    }

    /**
     * @param cellHome a cell home.
     * @return the folder of releases waiting to be sent to the registry (one file each, {@link #offerRelease}).
     */
    public static Path releaseOutbox(final Path cellHome)
    {
        return cellHome.resolve("registry").resolve("outbox");
    }

    /**
     * @return one line of the releases file (its writer's format).
     */
    public static String releaseLine(final Release r)
    {
        return r.cell() + '\t' + r.tag() + '\t' + r.version() + '\t' + r.sha256() + '\t' + r.signer() + '\t' +
            r.recordedIndex() + '\n';
    }

    /**
     * @param cellHome a cell home.
     * @param cell     a cell's name.
     * @return its releases the registry agreed, as this host's replica applied them.
     */
    public static Releases releases(final Path cellHome, final String cell)
    {
        final List<String[]> lines = lines(releasesFile(cellHome), 6);
        final List<Release> found = new ArrayList<>();
        if (lines != null)
        {
            for (final String[] f : lines)
            {
                if (f[0].equals(cell))
                {
                    found.add(new Release(f[0], f[1], f[2], f[3], f[4], count(f[5])));
                }
            }
        }
        return new Releases(found, lines != null);
    }

    /**
     * Leave a signed release manifest for this host's registry replica to send ({@code Registry.recordRelease});
     * it stays in the outbox until a replica takes it or refuses it.
     *
     * @param cellHome  a cell home.
     * @param manifest  the {@code Cell.json} text as signed.
     * @param signer    the signer's public identity.
     * @param signature the signature, base64url.
     * @throws IOException when it cannot be written.
     */
    public static void offerRelease(final Path cellHome, final String manifest, final String signer,
        final String signature) throws IOException
    {
        final Path dir = releaseOutbox(cellHome);
        dev.cell.ring.PrivateFiles.createDirectories(dir);
        final String text = signer + "\n" + signature + "\n" + manifest;
        final String name;
        try
        {
            name = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)), 0, 8) + ".release";
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
        dev.cell.ring.PrivateFiles.writeAtomically(dir.resolve(name), name + ".tmp", text);
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
        final String fingerprint, final String host, final String region, final Load load, final String version)
    {
        return instanceId + '\t' + axon + '\t' + identity + '\t' + fingerprint + '\t' + host + '\t' + region + '\t' +
            load.p50Us() + '\t' + load.p99Us() + '\t' + load.queueDepth() + '\t' + load.callsPerSecond() + '\t' +
            version + '\n';
    }

    /**
     * @param cellHome a cell home.
     * @return the cells this host's view has a fresh file for, sorted.
     */
    public static List<String> cells(final Path cellHome)
    {
        final List<String> cells = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir(cellHome)))
        {
            files.map(f -> f.getFileName().toString()).filter(c -> CELL.matcher(c).matches())
                .filter(c -> !read(cellHome, c).isEmpty()).sorted().forEach(cells::add);
        }
        catch (final IOException | UncheckedIOException absent)
        {
            return List.of();
        }
        return cells;
    }

    /**
     * @param cellHome a cell home.
     * @param cell     a cell name.
     * @return the cell's instances in this host's view; empty when there is no fresh view.
     */
    public static List<Entry> read(final Path cellHome, final String cell)
    {
        final List<Entry> entries = new ArrayList<>();
        final List<String[]> lines = CELL.matcher(cell).matches() ? lines(dir(cellHome).resolve(cell), 11) : null;
        if (lines != null)
        {
            for (final String[] f : lines)
            {
                if (!f[1].isEmpty())
                {
                    entries.add(new Entry(f[0], f[1], f[2], f[3], f[4], f[5], new Load(count(f[6]), count(f[7]),
                        count(f[8]), count(f[9])), f[10]));
                }
            }
        }
        return entries;
    }

    /**
     * @return the lines of a fresh file with {@code fields} tab-separated fields and a non-empty first one; null when
     * the file is absent, older than {@link #MAX_AGE_MS} or unreadable.
     */
    private static List<String[]> lines(final Path file, final int fields)
    {
        try
        {
            if (System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() > MAX_AGE_MS)
            {
                return null;
            }
            final byte[] bytes;
            try (InputStream in = Files.newInputStream(file))
            {
                bytes = in.readNBytes(MAX_BYTES);
            }
            final List<String[]> lines = new ArrayList<>();
            for (final String line : new String(bytes, StandardCharsets.UTF_8).split("\n"))
            {
                final String[] f = line.split("\t", -1);
                if (f.length == fields && !f[0].isEmpty())
                {
                    lines.add(f);
                }
            }
            return lines;
        }
        catch (final IOException absentOrUnreadable)
        {
            return null;
        }
    }

    private static int count(final String field)
    {
        try
        {
            return Math.max(0, Integer.parseInt(field));
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    /**
     * @return the label this host's registry agent announces instances and records uses with: {@code CELL_HOST_NAME},
     * else the host name.
     */
    public static String hostLabel()
    {
        final String named = System.getenv("CELL_HOST_NAME");
        if (named != null && !named.isBlank())
        {
            return named.strip();
        }
        try
        {
            return java.net.InetAddress.getLocalHost().getHostName();
        }
        catch (final IOException ex)
        {
            return "localhost";
        }
    }
}
