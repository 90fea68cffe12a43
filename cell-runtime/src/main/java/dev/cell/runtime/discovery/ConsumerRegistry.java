package dev.cell.runtime.discovery;

import dev.cell.ring.PrivateFiles;
import dev.cell.ring.Liveness;
import dev.cell.runtime.genome.Json;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Host-local record of which consumers use which handlers of a cell: {@code <cell home>/consumers/<cell>/<pid>.json},
 * written by a client built from a genome ({@code @CellRemote}) when it connects. A producer's build reads it to
 * refuse a breaking change to a handler that a live consumer still calls. Entries of dead processes are removed when
 * read. No daemon, like the instance registry.
 *
 * @since 0.2
 */
public final class ConsumerRegistry
{
    private static final String SUFFIX = ".json";

    /**
     * One consumer process.
     *
     * @param cell         the served cell name it connected to ({@code exchange}, {@code exchange@2}).
     * @param consumer     how the consumer names itself (its client name).
     * @param command      the consumer's main class or jar, when known.
     * @param pid          its process id.
     * @param startEpochMs its process start time.
     * @param handlers     handler name → the handler fingerprint it was built against (16 hex digits).
     */
    public record Consumer(
        String cell, String consumer, String command, long pid, long startEpochMs, Map<String, String> handlers)
    {
        /**
         * Canonical constructor: copies the map.
         */
        public Consumer
        {
            handlers = Map.copyOf(handlers);
        }

        /**
         * @return "name (command, pid N)" for messages.
         */
        public String describe()
        {
            return "'" + consumer + "' (" + (command.isEmpty() ? "" : command + ", ") + "pid " + pid + ")";
        }
    }

    private ConsumerRegistry()
    {
    }

    /**
     * @param cellHome the cell home.
     * @param cell     a served cell name.
     * @return the folder holding that cell's consumer records.
     */
    public static Path dir(final Path cellHome, final String cell)
    {
        return cellHome.resolve("consumers").resolve(cell);
    }

    /**
     * Record (or refresh) that this process uses {@code handlers} of {@code cell}. Handlers recorded earlier by this
     * process for the same cell are kept.
     *
     * @param cellHome the cell home.
     * @param cell     the served cell name.
     * @param consumer the client's name.
     * @param handlers handler name → fingerprint.
     * @throws IOException when the record cannot be written.
     */
    public static synchronized void record(
        final Path cellHome, final String cell, final String consumer, final Map<String, String> handlers)
        throws IOException
    {
        final long pid = Liveness.currentPid();
        final Path target = dir(cellHome, cell).resolve(pid + SUFFIX);
        final Map<String, String> all = new TreeMap<>();
        final Consumer previous = read(target);
        if (previous != null && previous.startEpochMs() == Liveness.currentStartEpochMs())
        {
            all.putAll(previous.handlers());
        }
        all.putAll(handlers);
        final String command = System.getProperty("sun.java.command", "").split(" ", 2)[0];
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("cell", cell);
        m.put("consumer", consumer);
        m.put("command", command);
        m.put("pid", pid);
        m.put("startEpochMs", Liveness.currentStartEpochMs());
        m.put("handlers", new LinkedHashMap<String, Object>(all));
        // Folders 0700, the record 0600, from creation.
        PrivateFiles.writeAtomically(target, "." + pid + ".tmp", Json.write(m));
    }

    /**
     * The live consumers of a cell; records of processes that are gone are deleted.
     *
     * @param cellHome the cell home.
     * @param cell     the served cell name.
     * @return the live consumers, sorted by pid.
     */
    public static List<Consumer> live(final Path cellHome, final String cell)
    {
        final List<Consumer> result = new ArrayList<>();
        final Path dir = dir(cellHome, cell);
        if (!Files.isDirectory(dir))
        {
            return result;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX))
        {
            for (final Path file : files)
            {
                final Consumer c = read(file);
                if (c == null)
                {
                    continue;
                }
                if (Liveness.isAlive(c.pid(), c.startEpochMs()))
                {
                    result.add(c);
                }
                else
                {
                    Files.deleteIfExists(file);
                }
            }
        }
        catch (final IOException ignore)
        {
            // An unreadable folder has no consumers we could name.
        }
        result.sort((a, b) -> Long.compare(a.pid(), b.pid()));
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Consumer read(final Path file) throws IOException
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
            final Map<String, Object> m = Json.parseObject(text);
            final Map<String, String> handlers = new TreeMap<>();
            for (final Map.Entry<String, Object> e : ((Map<String, Object>)m.get("handlers")).entrySet())
            {
                handlers.put(e.getKey(), (String)e.getValue());
            }
            return new Consumer((String)m.get("cell"), (String)m.get("consumer"),
                m.get("command") instanceof String s ? s : "", (Long)m.get("pid"), (Long)m.get("startEpochMs"),
                handlers);
        }
        catch (final RuntimeException ex)
        {
            // Written by rename, so a malformed record is garbage.
            Files.deleteIfExists(file);
            return null;
        }
    }
}
