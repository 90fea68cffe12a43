package dev.cell.tissue.supervise;

import dev.cell.runtime.discovery.Dormancy;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The supervisors running on this host: {@code $CELL_HOME/supervisors/<tissue>-<pid>.json}, written by each
 * {@code cell mitosis} once its tissue is up. Entries of dead processes are removed when listed.
 *
 * @since 0.1
 */
public final class Supervisors
{
    /**
     * A live supervisor.
     *
     * @param tissue the tissue's name.
     * @param root   its folder.
     * @param pid    the supervisor's process.
     * @param port   its control port.
     * @param token   its secret.
     * @param cells   the cells it runs.
     * @param metrics where its Prometheus scrape endpoint listens ({@code host:port}), empty without one.
     */
    public record Entry(String tissue, Path root, long pid, int port, String token, List<String> cells,
        String metrics)
    {
        public String send(final String command)
        {
            try
            {
                return Dormancy.request(port, command + " " + token);
            }
            catch (final IOException ex)
            {
                throw new UserError("the supervisor of tissue '" + tissue + "' (pid " + pid + ") did not answer on " +
                    "its control port " + port + ": " + ex.getMessage(), ex);
            }
        }
    }

    private Supervisors()
    {
    }

    public static Path dir(final Path cellHome)
    {
        return cellHome.resolve("supervisors");
    }

    public static List<Entry> live(final Path cellHome)
    {
        final List<Entry> result = new ArrayList<>();
        if (!Files.isDirectory(dir(cellHome)))
        {
            return result;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir(cellHome), "*.json"))
        {
            for (final Path f : files)
            {
                try
                {
                    final Map<String, Object> m = Json.parseObject(Files.readString(f, StandardCharsets.UTF_8));
                    final long pid = (Long)m.get("pid");
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    {
                        final List<String> cells = new ArrayList<>();
                        if (m.get("cells") instanceof List<?> l)
                        {
                            l.forEach(c -> cells.add(String.valueOf(c)));
                        }
                        result.add(new Entry((String)m.get("tissue"), Path.of((String)m.get("root")), pid,
                            ((Long)m.get("port")).intValue(), (String)m.get("token"), List.copyOf(cells),
                            m.get("metrics") instanceof String a ? a : ""));
                    }
                    else
                    {
                        Files.deleteIfExists(f);
                    }
                }
                catch (final IOException | RuntimeException ex)
                {
                    Files.deleteIfExists(f);
                }
            }
        }
        catch (final IOException ignore)
        {
            // Folder vanished.
        }
        return result;
    }

    /**
     * @param cellHome the cell home.
     * @param folder   a tissue folder (real path).
     * @return the supervisor running that folder or a folder under it, else null.
     */
    public static Entry forFolder(final Path cellHome, final Path folder)
    {
        for (final Entry e : live(cellHome))
        {
            if (isUnder(e.root(), folder))
            {
                return e;
            }
        }
        return null;
    }

    /**
     * @param cellHome the cell home.
     * @param cell     a cell's name.
     * @return the supervisor running it, else null.
     */
    public static Entry forCell(final Path cellHome, final String cell)
    {
        for (final Entry e : live(cellHome))
        {
            if (e.cells().contains(cell))
            {
                return e;
            }
        }
        return null;
    }

    /**
     * @param cellHome the cell home.
     * @param cell     a cell's name.
     * @param why      what only a supervised cell can have done, for the message.
     * @return the supervisor running it.
     * @throws UserError when no supervisor on this host runs it.
     */
    public static Entry requireForCell(final Path cellHome, final String cell, final String why)
    {
        final Entry e = forCell(cellHome, cell);
        if (e == null)
        {
            throw new UserError("no running tissue supervises cell '" + cell + "' on this host; start it with " +
                "`cell mitosis <dir>` (" + why + ")");
        }
        return e;
    }

    /**
     * @param cellDir a cell's folder, or null.
     * @param folder  a real (symlink-free) folder.
     * @return whether the cell's folder is that folder or under it.
     */
    public static boolean isUnder(final Path cellDir, final Path folder)
    {
        return cellDir != null && real(cellDir).startsWith(folder);
    }

    /**
     * @param p a path.
     * @return it without symbolic links, or absolute and normalized when it does not exist.
     */
    public static Path real(final Path p)
    {
        try
        {
            return p.toRealPath();
        }
        catch (final IOException ex)
        {
            return p.toAbsolutePath().normalize();
        }
    }
}
