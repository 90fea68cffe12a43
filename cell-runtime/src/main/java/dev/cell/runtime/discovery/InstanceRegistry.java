package dev.cell.runtime.discovery;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.genome.Json;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's instance registry: {@code $CELL_HOME/instances/<cell>/<instanceId>.json}, one file per running
 * instance. No daemon: instances register themselves (atomically: temp file + rename), and whoever lists the
 * registry removes the entries of dead processes (pid + start time) and reclaims their run folders.
 * <pre>{@code
 * for (InstanceRecord r : InstanceRegistry.live(CellHome.resolve()))
 * {
 *     System.out.println(r.cell() + " " + r.instanceId() + " pid " + r.pid() + " calls " + InstanceRegistry.calls(r));
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class InstanceRegistry
{
    private static final String SUFFIX = ".json";

    private InstanceRegistry()
    {
    }

    /**
     * @param cellHome the cell home.
     * @return the registry's root folder.
     */
    public static Path dir(final Path cellHome)
    {
        return cellHome.resolve("instances");
    }

    /**
     * @param cellHome   the cell home.
     * @param cell       the cell.
     * @param instanceId the instance id.
     * @return the registry file of that instance.
     */
    public static Path file(final Path cellHome, final String cell, final String instanceId)
    {
        return dir(cellHome).resolve(cell).resolve(instanceId + SUFFIX);
    }

    /**
     * Register an instance (replacing an entry of the same id).
     *
     * @param cellHome the cell home.
     * @param record   the instance.
     * @return the registry file written.
     * @throws IOException when it cannot be written.
     */
    public static Path register(final Path cellHome, final InstanceRecord record) throws IOException
    {
        final Path target = file(cellHome, record.cell(), record.instanceId());
        // Folders 0700, the entry 0600, from creation: it names the run folder of a live instance.
        PrivateFiles.writeAtomically(
            target, "." + record.instanceId() + "." + Liveness.currentPid() + ".tmp", toJson(record));
        return target;
    }

    /**
     * Remove an instance's entry (its run folder is the instance's business).
     *
     * @param cellHome   the cell home.
     * @param cell       the cell.
     * @param instanceId the instance id.
     */
    public static void unregister(final Path cellHome, final String cell, final String instanceId)
    {
        try
        {
            Files.deleteIfExists(file(cellHome, cell, instanceId));
        }
        catch (final IOException ignore)
        {
            // A leftover entry is removed by the next live() once the process is gone.
        }
    }

    /**
     * All live instances of all cells, sorted by cell then instance id. Entries of dead processes are removed and
     * their run folders reclaimed; unreadable entries are removed.
     *
     * @param cellHome the cell home.
     * @return the live instances.
     */
    public static List<InstanceRecord> live(final Path cellHome)
    {
        final List<InstanceRecord> result = new ArrayList<>();
        final Path root = dir(cellHome);
        if (!Files.isDirectory(root))
        {
            return result;
        }
        try (DirectoryStream<Path> cells = Files.newDirectoryStream(root, Files::isDirectory))
        {
            for (final Path cellDir : cells)
            {
                scan(cellDir, result);
            }
        }
        catch (final IOException ignore)
        {
            // The registry vanished or is unreadable: nothing live that we can see.
        }
        result.sort(Comparator.comparing(InstanceRecord::cell).thenComparing(InstanceRecord::instanceId));
        return result;
    }

    /**
     * The live instances of one cell, sorted by instance id. Dead entries are reclaimed as in {@link #live(Path)}.
     *
     * @param cellHome the cell home.
     * @param cell     the cell.
     * @return its live instances.
     */
    public static List<InstanceRecord> live(final Path cellHome, final String cell)
    {
        final List<InstanceRecord> result = new ArrayList<>();
        final Path cellDir = dir(cellHome).resolve(cell);
        if (Files.isDirectory(cellDir))
        {
            scan(cellDir, result);
        }
        result.sort(Comparator.comparing(InstanceRecord::instanceId));
        return result;
    }

    /**
     * @param record an instance.
     * @return true when its process (pid + start time) runs.
     */
    public static boolean isAlive(final InstanceRecord record)
    {
        return Liveness.isAlive(record.pid(), record.startEpochMs());
    }

    /**
     * @param record an instance.
     * @return requests it dispatched so far (from its {@code instance.dat}), or -1 when unreadable.
     */
    public static long calls(final InstanceRecord record)
    {
        return InstanceFile.readCalls(record.runDir().resolve(InstanceFile.FILE_NAME));
    }

    /**
     * Delete a dead instance's run folder, if it looks like one ({@code .../.cell/run/<id>}).
     *
     * @param runDir the run folder.
     * @return true when it was deleted (or did not exist).
     */
    public static boolean reclaimRunDir(final Path runDir)
    {
        if (runDir == null)
        {
            return false;
        }
        final Path parent = runDir.toAbsolutePath().normalize().getParent();
        if (parent == null || parent.getFileName() == null || !parent.getFileName().toString().equals("run") ||
            parent.getParent() == null || parent.getParent().getFileName() == null ||
            !parent.getParent().getFileName().toString().equals(".cell"))
        {
            return false;
        }
        return deleteTree(runDir);
    }

    /**
     * Delete a folder and everything in it, tolerating concurrent deletion.
     *
     * @param dir the folder.
     * @return true when it is gone.
     */
    public static boolean deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return true;
        }
        try
        {
            Files.walkFileTree(dir, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(final Path file, final IOException exc)
                {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path d, final IOException exc) throws IOException
                {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
            return !Files.exists(dir);
        }
        catch (final NoSuchFileException ex)
        {
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static void scan(final Path cellDir, final List<InstanceRecord> result)
    {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(cellDir, "*" + SUFFIX))
        {
            for (final Path file : files)
            {
                final InstanceRecord record = read(file);
                if (record == null)
                {
                    continue;
                }
                if (isAlive(record))
                {
                    result.add(record);
                }
                else
                {
                    reclaimRunDir(record.runDir());
                    Files.deleteIfExists(file);
                }
            }
        }
        catch (final IOException ignore)
        {
            // Folder vanished while listing.
        }
    }

    private static InstanceRecord read(final Path file) throws IOException
    {
        final String text;
        try
        {
            text = Files.readString(file);
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        try
        {
            return fromJson(text);
        }
        catch (final RuntimeException ex)
        {
            // Registry files are written by rename, so a malformed one is garbage, not a write in progress.
            Files.deleteIfExists(file);
            return null;
        }
    }

    static String toJson(final InstanceRecord r)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", r.cell());
        m.put("instanceId", r.instanceId());
        m.put("pid", r.pid());
        m.put("startEpochMs", r.startEpochMs());
        m.put("runDir", r.runDir().toAbsolutePath().toString());
        m.put("cellDir", r.cellDir().toAbsolutePath().toString());
        m.put("fingerprint", r.fingerprint());
        m.put("latency", r.latency());
        if (r.axon() != null)
        {
            m.put("axon", r.axon());
        }
        return Json.write(m);
    }

    static InstanceRecord fromJson(final String json)
    {
        final Map<String, Object> m = Json.parseObject(json);
        return new InstanceRecord(
            (String)require(m, "cell"),
            (String)require(m, "instanceId"),
            (Long)require(m, "pid"),
            (Long)require(m, "startEpochMs"),
            Path.of((String)require(m, "runDir")),
            Path.of((String)require(m, "cellDir")),
            (String)require(m, "fingerprint"),
            m.get("latency") instanceof String s ? s : "eco",
            m.get("axon") instanceof String a ? a : null);
    }

    private static Object require(final Map<String, Object> m, final String key)
    {
        final Object value = m.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("instance registry entry lacks '" + key + "'");
        }
        return value;
    }
}
