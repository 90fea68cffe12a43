package dev.cell.runtime.service;

import dev.cell.runtime.TissueControl;
import dev.cell.runtime.discovery.Dormancy;
import dev.cell.runtime.genome.Json;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

/**
 * {@link TissueControl} over the supervisor's control port: the supervisor's entry
 * {@code $CELL_HOME/supervisors/<tissue>-<pid>.json} (owner-only, like this instance's files) gives the loopback port
 * and the token; one command line per connection ({@link Dormancy#request}), the answer read to the end.
 */
final class SupervisorLink implements TissueControl
{
    private static final Pattern CELL_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*(@[1-9][0-9]*)?");
    private static final long WAIT_FOR_SUPERVISOR_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int MAX_REPLY = 1 << 20;
    // a spawn may clone and build (each Maven run may take 10 minutes)
    private static final int SPAWN_TIMEOUT_MS = (int)TimeUnit.MINUTES.toMillis(25);

    private final Path cellHome;
    private final String supervisorPid;
    private final String caller;

    SupervisorLink(final Path cellHome, final String supervisorPid, final String caller)
    {
        this.cellHome = cellHome;
        this.supervisorPid = supervisorPid;
        this.caller = caller;
    }

    @Override
    public String scale(final String cell, final int replicas)
    {
        if (cell == null || !CELL_NAME.matcher(cell).matches())
        {
            throw new IllegalArgumentException("'" + cell + "' is not a cell name");
        }
        final String reply = request("scale " + cell + " " + replicas + " " + caller);
        if (reply.startsWith("ok"))
        {
            return reply;
        }
        throw new Refused(reply.startsWith("error: ") ? reply.substring("error: ".length()) : reply);
    }

    /**
     * Ask the supervisor for an instance of a dependency on this host ({@code [deps.<cell>.policy] auto_spawn}):
     * it spawns the producer from the git release the caller's {@code cell.toml} names, or finds one running.
     *
     * @param cell the dependency.
     * @return the supervisor's answer, {@code ok: ...} or {@code error: ...}.
     */
    String spawn(final String cell)
    {
        if (cell == null || !CELL_NAME.matcher(cell).matches())
        {
            throw new IllegalArgumentException("'" + cell + "' is not a cell name");
        }
        return request("spawn " + cell + " " + caller, SPAWN_TIMEOUT_MS);
    }

    private String request(final String command)
    {
        return request(command, 0);
    }

    private String request(final String command, final int timeoutMs)
    {
        if (supervisorPid == null || supervisorPid.isBlank())
        {
            throw new IllegalStateException("cell '" + caller + "' has no supervisor (it was not started by " +
                "cell mitosis), so it cannot manage its tissue");
        }
        final long deadline = System.nanoTime() + WAIT_FOR_SUPERVISOR_NS;
        long pauseNs = TimeUnit.MILLISECONDS.toNanos(10);
        while (true)
        {
            final Map<String, Object> entry = entry();
            if (entry != null && entry.get("port") instanceof Number port && entry.get("token") instanceof String t)
            {
                return send(port.intValue(), command + " " + t, timeoutMs);
            }
            if (!supervisorAlive())
            {
                throw new IllegalStateException("the supervisor of cell '" + caller + "' (pid " + supervisorPid +
                    ") is gone");
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the supervisor of cell '" + caller + "' (pid " + supervisorPid +
                    ") published no control entry under " + cellHome.resolve("supervisors") + " within 60 s");
            }
            LockSupport.parkNanos(pauseNs);
            pauseNs = Math.min(pauseNs * 2, TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    private boolean supervisorAlive()
    {
        try
        {
            return ProcessHandle.of(Long.parseLong(supervisorPid)).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }

    private Map<String, Object> entry()
    {
        final Path dir = cellHome.resolve("supervisors");
        if (!Files.isDirectory(dir))
        {
            return null;
        }
        // One supervisor process may run more than one tissue (the mirrors it spawned): the entry is the one that
        // lists this cell.
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*-" + supervisorPid + ".json"))
        {
            for (final Path f : files)
            {
                if (Files.size(f) < MAX_REPLY)
                {
                    final Map<String, Object> entry = Json.parseObject(Files.readString(f));
                    if (entry.get("cells") instanceof java.util.List<?> cells && cells.contains(caller))
                    {
                        return entry;
                    }
                }
            }
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            return null; // being written or replaced: looked at again
        }
        return null;
    }

    private static String send(final int port, final String line, final int timeoutMs)
    {
        try
        {
            return (timeoutMs > 0 ? Dormancy.request(port, line, timeoutMs) : Dormancy.request(port, line)).strip();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot reach the supervisor on port " + port + ": " + ex.getMessage(),
                ex);
        }
    }
}
