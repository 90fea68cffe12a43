package dev.cell.tissue.build;


import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.config.TissueConfig.CellSpec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Built cells, content-addressed: {@code $CELL_HOME/artifacts/<sha256 of the jar, 16 hex>/} holds the cell's jar,
 * its runtime class path and {@code artifact.json} (cell, folder, when it was built and last run). The cell's
 * folder remembers which artifact it runs in {@code .cell/artifact}. The same jar built twice is stored once;
 * {@code cell gc} removes artifacts not run for a number of days.
 *
 * @param cellHome the cell home.
 * @since 0.1
 */
public record ArtifactStore(Path cellHome)
{
    private static final String META = "artifact.json";

    /**
     * @return the store's folder.
     */
    public Path dir()
    {
        return cellHome.resolve("artifacts");
    }

    /**
     * Store a freshly built cell's jar under its hash and point the cell's folder at it.
     *
     * @param cell a cell whose Maven build just succeeded.
     * @return the artifact's hash, or null when the build made no jar (the cell then runs from target/classes).
     */
    public String store(final CellSpec cell)
    {
        final Path jar = builtJar(cell.dir());
        if (jar == null)
        {
            return null;
        }
        final String hash = sha256(jar);
        final Path dir = dir().resolve(hash);
        try
        {
            if (!Files.isRegularFile(dir.resolve(META)))
            {
                PrivateFiles.createDirectories(dir);
                PrivateFiles.copy(jar, dir.resolve("cell.jar"));
                PrivateFiles.copy(cell.dir().resolve(MavenBuild.CLASSPATH_FILE), dir.resolve("classpath"));
                writeMeta(dir, cell, Instant.now().toEpochMilli());
            }
            final Path pointer = cell.dir().resolve(".cell").resolve("artifact");
            PrivateFiles.write(pointer, dir.toAbsolutePath() + "\n" + stamp(jar) + "\n");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot store the artifact of cell '" + cell.name() + "' in " + dir, ex);
        }
        return hash;
    }

    /**
     * @param cell a cell.
     * @return its stored artifact's folder, if its folder points at one that exists.
     */
    public Path current(final CellSpec cell)
    {
        return currentArtifact(cell);
    }

    /**
     * @param cell a cell.
     * @return the artifact its last {@code cell mitosis} build stored, when the jar in its {@code target/} is still
     * the one that was stored; else null (run from {@code target/classes}).
     */
    public static Path currentArtifact(final CellSpec cell)
    {
        final Path pointer = cell.dir().resolve(".cell").resolve("artifact");
        try
        {
            if (Files.isRegularFile(pointer))
            {
                final List<String> lines = Files.readAllLines(pointer, StandardCharsets.UTF_8);
                final Path dir = Path.of(lines.getFirst().trim());
                final Path jar = builtJar(cell.dir());
                if (lines.size() > 1 && jar != null && lines.get(1).trim().equals(stamp(jar)) &&
                    Files.isRegularFile(dir.resolve("cell.jar")) && Files.isRegularFile(dir.resolve("classpath")))
                {
                    return dir;
                }
            }
        }
        catch (final IOException ignore)
        {
            // Unreadable pointer: run from target/classes.
        }
        return null;
    }

    /**
     * Record that a cell's artifact is being run now (for {@code cell gc}).
     *
     * @param cell the cell.
     */
    public void markRun(final CellSpec cell)
    {
        final Path dir = current(cell);
        if (dir != null)
        {
            try
            {
                writeMeta(dir, cell, Instant.now().toEpochMilli());
            }
            catch (final IOException ignore)
            {
                // Only gc's bookkeeping.
            }
        }
    }

    /**
     * Remove the artifacts not run for {@code age}.
     *
     * @param age  how long unused.
     * @param dryRun true to only list them.
     * @return what was (or would be) removed: "hash cell last-run".
     */
    public List<String> gc(final Duration age, final boolean dryRun)
    {
        final List<String> removed = new ArrayList<>();
        if (!Files.isDirectory(dir()))
        {
            return removed;
        }
        final long cutoff = Instant.now().minus(age).toEpochMilli();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dir(), Files::isDirectory))
        {
            for (final Path d : dirs)
            {
                long lastRun = 0;
                String cell = "?";
                try
                {
                    final Map<String, Object> meta = Json.parseObject(Files.readString(d.resolve(META)));
                    lastRun = meta.get("lastRunEpochMs") instanceof Long l ? l : 0;
                    cell = String.valueOf(meta.get("cell"));
                }
                catch (final IOException | RuntimeException ex)
                {
                    lastRun = Files.getLastModifiedTime(d).toMillis();
                }
                if (lastRun < cutoff)
                {
                    removed.add(d.getFileName() + " " + cell + " last run " + Instant.ofEpochMilli(lastRun));
                    if (!dryRun)
                    {
                        InstanceRegistry.deleteTree(d);
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list " + dir(), ex);
        }
        return removed;
    }

    private static void writeMeta(final Path dir, final CellSpec cell, final long lastRun) throws IOException
    {
        final Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("cell", cell.name());
        meta.put("cellDir", cell.dir().toString());
        meta.put("lastRunEpochMs", lastRun);
        PrivateFiles.write(dir.resolve(META), Json.write(meta) + "\n");
    }

    /**
     * @param cellDir a cell's folder.
     * @return the jar its last build left in {@code target/} (not a sources, javadoc or tests jar), or null.
     */
    public static Path builtJar(final Path cellDir)
    {
        final Path target = cellDir.resolve("target");
        if (!Files.isDirectory(target))
        {
            return null;
        }
        try (Stream<Path> files = Files.list(target))
        {
            return files.filter(p -> p.toString().endsWith(".jar") && !p.toString().endsWith("-sources.jar") &&
                !p.toString().endsWith("-javadoc.jar") && !p.toString().endsWith("-tests.jar"))
                .max(java.util.Comparator.comparingLong(p -> p.toFile().lastModified())).orElse(null);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static String stamp(final Path jar) throws IOException
    {
        return Files.size(jar) + "@" + Files.getLastModifiedTime(jar).toMillis();
    }

    /**
     * @param file a file.
     * @return the first 16 hex digits of its SHA-256 (an artifact's folder name).
     */
    public static String sha256(final Path file)
    {
        return sha256Hex(file).substring(0, 16);
    }

    /**
     * @param file a file.
     * @return its SHA-256, 64 lower-case hex digits (what a signed {@code Cell.json} records).
     */
    public static String sha256Hex(final Path file)
    {
        try (InputStream in = Files.newInputStream(file))
        {
            final MessageDigest md = MessageDigest.getInstance("SHA-256");
            final byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0)
            {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read " + file, ex);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
