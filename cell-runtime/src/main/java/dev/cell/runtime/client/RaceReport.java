package dev.cell.runtime.client;

import dev.cell.ring.Liveness;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.log.CellLog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link RacingConnection} decided, told from its members' refreshing thread (never from a call): each change
 * of the instance calls stay with ({@code race.switched}), each ejection ({@code race.ejected}), and how many calls
 * were hedged or repeated on another instance since the last look ({@code race.hedged}, {@code race.failover}), as
 * JSON events in the process's log; and, for {@code cell ps}, the file {@code $CELL_HOME/racing/<cell>.<pid>}
 * (0600, rewritten on change and at least every second): this client, the instance it stays with, and per instance
 * its share of the calls since the last write, its cost and its reported queue depth ({@link #read}).
 */
public final class RaceReport
{
    /**
     * How often the file is rewritten when nothing changed, ms; a reader ignores one older than 5 s.
     */
    static final long REWRITE_MS = 1_000;
    /**
     * A file not rewritten for this long is not shown, ms.
     */
    static final long MAX_AGE_MS = 5_000;

    private final String cell;
    private final String client;
    private final Path file;
    private final CellLog log;
    private final AtomicLong hedges = new AtomicLong();
    private final AtomicLong failovers = new AtomicLong();
    private final Map<String, Long> sentBefore = new HashMap<>();
    private final Map<String, Boolean> ejectedBefore = new HashMap<>();
    private String currentBefore = "";
    private long hedgesBefore;
    private long failoversBefore;
    private volatile boolean closed;
    private String writtenCurrent = "";
    private int writtenMembers = -1;
    private long writtenMs;

    /**
     * @param cell     the cell raced.
     * @param client   this client's name.
     * @param cellHome where the file goes.
     * @param log      where the events go.
     */
    RaceReport(final String cell, final String client, final Path cellHome, final CellLog log)
    {
        this.cell = cell;
        this.client = client;
        this.file = dir(cellHome).resolve(cell + "." + Liveness.currentPid());
        this.log = log;
    }

    /**
     * @param cellHome a cell home.
     * @return the folder of the racing clients' files.
     */
    public static Path dir(final Path cellHome)
    {
        return cellHome.resolve("racing");
    }

    /**
     * A hedge was sent (any thread; allocation-free).
     */
    void hedged()
    {
        hedges.getAndIncrement();
    }

    /**
     * A call was repeated on another instance after a failure (any thread; allocation-free).
     */
    void failedOver()
    {
        failovers.getAndIncrement();
    }

    /**
     * Log what changed since the last look and rewrite the file when due (the refreshing thread only).
     *
     * @param ms      the members now.
     * @param current the instance calls stay with, or null.
     * @param nowNs   the clock now.
     */
    void look(final RaceMember[] ms, final RaceMember current, final long nowNs)
    {
        final String currentId = current == null ? "" : current.id;
        if (!currentId.equals(currentBefore))
        {
            final RaceMember from = find(ms, currentBefore);
            log.info("race.switched", "cell", cell, "from", currentBefore, "to", currentId,
                "fromCostUs", from == null ? -1L : (long)(from.cost(nowNs) / 1000),
                "toCostUs", current == null ? -1L : (long)(current.cost(nowNs) / 1000),
                "toQueueDepth", current == null ? 0L : (long)current.reportedQueueDepth());
            currentBefore = currentId;
        }
        final java.util.Set<String> ids = new java.util.HashSet<>();
        for (final RaceMember m : ms)
        {
            final boolean ejected = m.ejected(nowNs);
            if (ejected && !ejectedBefore.getOrDefault(m.id, false))
            {
                log.warn("race.ejected", "cell", cell, "instance", m.id, "where", m.where);
            }
            ejectedBefore.put(m.id, ejected);
            ids.add(m.id);
        }
        ejectedBefore.keySet().retainAll(ids); // members that left (an instance restarted under a new id)
        final long h = hedges.get();
        if (h != hedgesBefore)
        {
            log.info("race.hedged", "cell", cell, "calls", h - hedgesBefore);
            hedgesBefore = h;
        }
        final long f = failovers.get();
        if (f != failoversBefore)
        {
            log.info("race.failover", "cell", cell, "calls", f - failoversBefore);
            failoversBefore = f;
        }
        write(ms, currentId, nowNs);
    }

    private void write(final RaceMember[] ms, final String currentId, final long nowNs)
    {
        final long nowMs = System.currentTimeMillis();
        if (closed || nowMs - writtenMs < REWRITE_MS && currentId.equals(writtenCurrent) &&
            ms.length == writtenMembers)
        {
            return; // nothing to say yet: the file is rewritten on a change and once a second
        }
        long total = 0;
        for (final RaceMember m : ms)
        {
            total += m.sent() - sentBefore.getOrDefault(m.id, m.sent());
        }
        final List<Object> instances = new ArrayList<>();
        for (final RaceMember m : ms)
        {
            final long sent = m.sent() - sentBefore.getOrDefault(m.id, m.sent());
            final Map<String, Object> i = new LinkedHashMap<>();
            i.put("instance", m.id);
            i.put("where", m.where);
            i.put("share", total == 0 ? 0.0 : Math.round(1000.0 * sent / total) / 1000.0);
            i.put("costUs", (long)(m.cost(nowNs) / 1000));
            i.put("queueDepth", (long)m.reportedQueueDepth());
            i.put("ejected", m.ejected(nowNs));
            instances.add(i);
        }
        final Map<String, Object> report = new LinkedHashMap<>();
        report.put("cell", cell);
        report.put("client", client);
        report.put("pid", Liveness.currentPid());
        report.put("current", currentId);
        report.put("instances", instances);
        final String text = Json.write(report);
        try
        {
            PrivateFiles.createDirectories(file.getParent());
            PrivateFiles.writeAtomically(file, "." + cell + "." + Liveness.currentPid() + ".tmp", text);
            writtenCurrent = currentId;
            writtenMembers = ms.length;
            writtenMs = nowMs;
            sentBefore.clear();
            for (final RaceMember m : ms)
            {
                sentBefore.put(m.id, m.sent());
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // a status file: the next look tries again
        }
    }

    /**
     * Delete the file (the connection closed).
     */
    void close()
    {
        closed = true;
        try
        {
            Files.deleteIfExists(file);
        }
        catch (final IOException ignored)
        {
            // the next reader skips it once its process is gone
        }
    }

    private static RaceMember find(final RaceMember[] ms, final String id)
    {
        for (final RaceMember m : ms)
        {
            if (Objects.equals(m.id, id))
            {
                return m;
            }
        }
        return null;
    }

    /**
     * @param cellHome a cell home.
     * @return the racing clients of this host whose process lives and whose file is fresh, as their files say.
     */
    public static List<Map<String, Object>> read(final Path cellHome)
    {
        final List<Map<String, Object>> clients = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir(cellHome)))
        {
            for (final Path f : files.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList())
            {
                try
                {
                    if (System.currentTimeMillis() - Files.getLastModifiedTime(f).toMillis() > MAX_AGE_MS ||
                        Files.size(f) > 1 << 20)
                    {
                        continue;
                    }
                    if (Json.parse(Files.readString(f)) instanceof Map<?, ?> m && m.get("pid") instanceof Long pid &&
                        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    {
                        @SuppressWarnings("unchecked") final Map<String, Object> report = (Map<String, Object>)m;
                        clients.add(report);
                    }
                }
                catch (final IOException | RuntimeException unreadable)
                {
                    // gone meanwhile, or not a report
                }
            }
        }
        catch (final IOException | RuntimeException absent)
        {
            return List.of();
        }
        return clients;
    }
}
