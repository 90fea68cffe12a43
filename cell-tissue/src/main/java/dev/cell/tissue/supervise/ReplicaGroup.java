package dev.cell.tissue.supervise;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The replica group of a stateful cell as its replicas report it: each replica replaces
 * {@code <cellDir>/.cell/replicas/<slot>/raft-status} (a properties file: {@code role}, {@code term},
 * {@code leader}, {@code commitIndex}, {@code appliedIndex}, {@code updatedMs}) about every 500 ms. A report older
 * than {@value #STALE_AFTER_MS} ms counts as unknown (its replica is stopped, hung or cut off).
 * <p>
 * The group is {@code ready} only when one replica reports itself {@code LEADER} recently and a majority of the
 * group's members (counted from {@code group.properties}, else the slots found, else the cell's replicas) name it
 * as leader in recent reports; otherwise it is {@code unavailable}: no write can commit. Lag is the leader's commit
 * index minus a replica's applied index.
 *
 * @param state      "ready" or "unavailable".
 * @param reason     why it is unavailable, else empty.
 * @param leader     the leader's peer id, empty when none is known.
 * @param term       the leader's term, -1 when none is known.
 * @param members    how many replicas the group has.
 * @param replicas   what each replica reported, by slot.
 * @since 0.1
 */
public record ReplicaGroup(String state, String reason, String leader, long term, int members, List<Replica> replicas)
{
    /**
     * A report older than this is unknown.
     */
    static final long STALE_AFTER_MS = 3_000;

    /**
     * The file each replica writes in its slot folder.
     */
    static final String FILE = "raft-status";

    /**
     * One replica's report.
     *
     * @param slot         its slot.
     * @param peer         its peer id ({@code r<slot>}).
     * @param role         LEADER, FOLLOWER, CANDIDATE, LISTENER, or "unknown" (no recent report).
     * @param term         its term, -1 when unknown.
     * @param leader       the leader it follows, empty when none.
     * @param commitIndex  its commit index, -1 when unknown.
     * @param appliedIndex its applied index, -1 when unknown.
     * @param ageMs        how old the report is, -1 when there is none.
     * @param lag          the leader's commit index minus its applied index, -1 when unknown.
     */
    public record Replica(int slot, String peer, String role, long term, String leader, long commitIndex,
        long appliedIndex, long ageMs, long lag)
    {
        public boolean fresh()
        {
            return ageMs >= 0 && ageMs <= STALE_AFTER_MS;
        }
    }

    /**
     * @param cellDir          the cell's folder.
     * @param declaredReplicas how many replicas the cell declares (used when the group has no member list yet).
     * @param nowMs            the current time, epoch ms.
     * @return the group as its reports say.
     */
    public static ReplicaGroup read(final Path cellDir, final int declaredReplicas, final long nowMs)
    {
        final Path dir = cellDir.resolve(".cell").resolve("replicas");
        final TreeSet<Integer> slots = new TreeSet<>();
        final List<Integer> members = members(dir);
        slots.addAll(members);
        if (Files.isDirectory(dir))
        {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory))
            {
                for (final Path p : entries)
                {
                    if (p.getFileName().toString().matches("\\d{1,4}"))
                    {
                        slots.add(Integer.parseInt(p.getFileName().toString()));
                    }
                }
            }
            catch (final IOException ignore)
            {
                // Vanished: no reports.
            }
        }
        final Map<Integer, Properties> reports = new LinkedHashMap<>();
        for (final int slot : slots)
        {
            reports.put(slot, load(dir.resolve(Integer.toString(slot)).resolve(FILE)));
        }
        final int size = !members.isEmpty() ? members.size() : Math.max(1, Math.max(declaredReplicas, slots.size()));

        String leader = "";
        long leaderTerm = -1;
        long leaderCommit = -1;
        for (final Map.Entry<Integer, Properties> e : reports.entrySet())
        {
            final Properties p = e.getValue();
            if (p != null && fresh(p, nowMs) && "LEADER".equals(role(p)) &&
                (leader.isEmpty() || number(p, "term") > leaderTerm))
            {
                leader = "r" + e.getKey();
                leaderTerm = number(p, "term");
                leaderCommit = number(p, "commitIndex");
            }
        }
        final List<Replica> replicas = new ArrayList<>();
        int following = 0;
        for (final Map.Entry<Integer, Properties> e : reports.entrySet())
        {
            final int slot = e.getKey();
            final Properties p = e.getValue();
            if (p == null)
            {
                replicas.add(new Replica(slot, "r" + slot, "unknown", -1, "", -1, -1, -1, -1));
                continue;
            }
            final long age = nowMs - number(p, "updatedMs");
            final boolean fresh = fresh(p, nowMs);
            final long applied = number(p, "appliedIndex");
            final String follows = p.getProperty("leader", "").strip();
            if (fresh && !leader.isEmpty() && (leader.equals(follows) || leader.equals("r" + slot)) &&
                number(p, "term") == leaderTerm && (members.isEmpty() || members.contains(slot)))
            {
                following++;
            }
            replicas.add(new Replica(slot, "r" + slot, fresh ? role(p) : "unknown", number(p, "term"), follows,
                number(p, "commitIndex"), applied, Math.max(0, age),
                leaderCommit >= 0 && applied >= 0 && fresh ? Math.max(0, leaderCommit - applied) : -1));
        }
        replicas.sort(Comparator.comparingInt(Replica::slot));
        final int majority = size / 2 + 1;
        if (leader.isEmpty())
        {
            final boolean anyFresh = replicas.stream().anyMatch(Replica::fresh);
            return new ReplicaGroup("unavailable", anyFresh ? "no leader: the replicas are electing one or cannot " +
                "reach a majority" : "no replica reported its state in the last " + STALE_AFTER_MS / 1000 + " s",
                "", -1, size, List.copyOf(replicas));
        }
        if (following < majority)
        {
            return new ReplicaGroup("unavailable", "leader " + leader + " is known to " + following + " of " + size +
                " replicas, a majority needs " + majority, leader, leaderTerm, size, List.copyOf(replicas));
        }
        return new ReplicaGroup("ready", "", leader, leaderTerm, size, List.copyOf(replicas));
    }

    /**
     * @return this group as JSON-ready maps.
     */
    public Map<String, Object> toMap()
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", state);
        m.put("reason", reason);
        m.put("leader", leader);
        m.put("term", term);
        m.put("members", (long)members);
        final List<Object> list = new ArrayList<>();
        for (final Replica r : replicas)
        {
            final Map<String, Object> e = new LinkedHashMap<>();
            e.put("slot", (long)r.slot());
            e.put("peer", r.peer());
            e.put("role", r.role());
            e.put("term", r.term());
            e.put("leader", r.leader());
            e.put("commitIndex", r.commitIndex());
            e.put("appliedIndex", r.appliedIndex());
            e.put("lag", r.lag());
            e.put("reportAgeMs", r.ageMs());
            list.add(e);
        }
        m.put("replicas", list);
        return m;
    }

    private static List<Integer> members(final Path dir)
    {
        final Properties p = load(dir.resolve("group.properties"));
        final List<Integer> members = new ArrayList<>();
        if (p != null)
        {
            for (final String m : p.getProperty("members", "").split(","))
            {
                try
                {
                    if (!m.isBlank())
                    {
                        members.add(Integer.parseInt(m.strip()));
                    }
                }
                catch (final NumberFormatException ignore)
                {
                    // Not a slot number.
                }
            }
        }
        return members;
    }

    private static Properties load(final Path file)
    {
        if (!Files.isRegularFile(file))
        {
            return null;
        }
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8))
        {
            p.load(r);
            return p;
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            return null;
        }
    }

    private static boolean fresh(final Properties p, final long nowMs)
    {
        final long updated = number(p, "updatedMs");
        return updated > 0 && nowMs - updated <= STALE_AFTER_MS;
    }

    private static String role(final Properties p)
    {
        return p.getProperty("role", "unknown").strip().toUpperCase(Locale.ROOT);
    }

    private static long number(final Properties p, final String key)
    {
        try
        {
            return Long.parseLong(p.getProperty(key, "-1").strip());
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }
}
