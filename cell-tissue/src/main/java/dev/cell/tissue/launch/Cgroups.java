package dev.cell.tissue.launch;

import dev.cell.tissue.config.Resources.Kind;
import dev.cell.tissue.config.Resources;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Enforces an instance's {@code [resources]} with Linux control groups: cgroup v2 where the unified hierarchy is
 * mounted with the memory and cpu controllers enabled, else the v1 hierarchies ({@code /sys/fs/cgroup/memory},
 * {@code /sys/fs/cgroup/cpu}), else nothing. Each instance gets its own group, which its launcher joins before it
 * {@code exec}s the JVM, so no allocation escapes the limit; the JVM is told the same limits (heap, active
 * processor count). Whatever cannot be enforced is said so in {@link Enforcement#notes()}, never pretended.
 *
 * @since 0.1
 */
public final class Cgroups
{
    /**
     * Which hierarchy is in use.
     */
    public enum Mode
    {
        /**
         * Unified hierarchy.
         */
        V2,
        /**
         * One hierarchy per controller.
         */
        V1,
        /**
         * None usable (not Linux, not mounted, or not writable).
         */
        NONE
    }

    private static final Path ROOT = Path.of(System.getProperty("cell.cgroup.root", "/sys/fs/cgroup"));
    private static final long CPU_PERIOD_US = 100_000;

    private final Mode mode;
    private final String group;

    /**
     * How one instance's resources are enforced.
     *
     * @param dirs     the cgroup folders it joins (removed after it exits).
     * @param jvmFlags JVM options matching the limits.
     * @param notes    per kind: "enforced: ..." or "not enforced: why".
     * @param memoryDir the folder whose counters tell a memory-limit kill, or null.
     */
    public record Enforcement(List<Path> dirs, List<String> jvmFlags, Map<Kind, String> notes, Path memoryDir)
    {
        /**
         * @param kind a kind.
         * @return true when it is enforced.
         */
        public boolean enforced(final Kind kind)
        {
            final String n = notes.get(kind);
            return n != null && n.startsWith("enforced");
        }

        /**
         * @param kind a kind.
         * @param note how it is applied.
         * @return a copy with that note.
         */
        public Enforcement withNote(final Kind kind, final String note)
        {
            final Map<Kind, String> n = new java.util.EnumMap<>(Kind.class);
            n.putAll(notes);
            n.put(kind, note);
            return new Enforcement(dirs, jvmFlags, Map.copyOf(n), memoryDir);
        }
    }

    /**
     * @param group the folder under each hierarchy's root that holds this supervisor's instance groups, e.g.
     *              {@code cell/trading-1234}.
     */
    public Cgroups(final String group)
    {
        this.mode = detect();
        this.group = group;
    }

    /**
     * @return the hierarchy in use on this machine.
     */
    public Mode mode()
    {
        return mode;
    }

    /**
     * @return which hierarchy this machine offers: v2 when the unified mount lists the memory controller, v1 when
     * the memory hierarchy is mounted and writable, else none.
     */
    public static Mode detect()
    {
        final Path controllers = ROOT.resolve("cgroup.controllers");
        if (Files.isRegularFile(controllers) && read(controllers).contains("memory") && Files.isWritable(ROOT))
        {
            return Mode.V2;
        }
        if (Files.isRegularFile(ROOT.resolve("memory").resolve("memory.limit_in_bytes")) &&
            Files.isWritable(ROOT.resolve("memory")))
        {
            return Mode.V1;
        }
        return Mode.NONE;
    }

    /**
     * Create the groups of one instance and write its limits.
     *
     * @param instance  a name unique within this supervisor.
     * @param resources what to enforce.
     * @return how it is enforced.
     */
    public Enforcement create(final String instance, final Resources resources)
    {
        final Map<Kind, String> notes = new EnumMap<>(Kind.class);
        final List<Path> dirs = new ArrayList<>();
        final List<String> flags = new ArrayList<>();
        Path memoryDir = null;
        final double mem = resources.max(Kind.MEMORY);
        final double cpu = resources.max(Kind.CPU);
        final Resources.Range memRange = resources.get(Kind.MEMORY);
        final Resources.Range cpuRange = resources.get(Kind.CPU);
        if (mem > 0)
        {
            flags.add("-Xmx" + Math.max(16L << 20, (long)(mem * 0.5)));
        }
        if (cpu > 0)
        {
            flags.add("-XX:ActiveProcessorCount=" + Math.max(1, (int)Math.ceil(cpu)));
        }
        try
        {
            switch (mode)
            {
                case V2 ->
                {
                    if (memRange != null || cpuRange != null)
                    {
                        final Path dir = ROOT.resolve(group).resolve(instance);
                        enableV2Controllers(ROOT.resolve(group));
                        Files.createDirectories(dir);
                        dirs.add(dir);
                        if (memRange != null)
                        {
                            write(dir.resolve("memory.max"), mem > 0 ? String.valueOf((long)mem) : "max");
                            if (memRange.min() > 0)
                            {
                                write(dir.resolve("memory.min"), String.valueOf((long)memRange.min()));
                            }
                            if (Files.exists(dir.resolve("memory.swap.max")))
                            {
                                write(dir.resolve("memory.swap.max"), "0");
                            }
                            memoryDir = dir;
                            notes.put(Kind.MEMORY, "enforced: cgroup v2 memory.max " + bytes(mem) + ", heap -Xmx");
                        }
                        if (cpuRange != null)
                        {
                            write(dir.resolve("cpu.max"), cpu > 0 ? (long)(cpu * CPU_PERIOD_US) + " " +
                                CPU_PERIOD_US : "max " + CPU_PERIOD_US);
                            notes.put(Kind.CPU, "enforced: cgroup v2 cpu.max " + Kind.CPU.format(cpu) +
                                ", -XX:ActiveProcessorCount");
                        }
                    }
                }
                case V1 ->
                {
                    if (memRange != null)
                    {
                        final Path dir = ROOT.resolve("memory").resolve(group).resolve(instance);
                        Files.createDirectories(dir);
                        dirs.add(dir);
                        if (mem > 0)
                        {
                            write(dir.resolve("memory.limit_in_bytes"), String.valueOf((long)mem));
                            if (Files.exists(dir.resolve("memory.memsw.limit_in_bytes")))
                            {
                                write(dir.resolve("memory.memsw.limit_in_bytes"), String.valueOf((long)mem));
                            }
                            write(dir.resolve("memory.swappiness"), "0");
                        }
                        if (memRange.min() > 0)
                        {
                            write(dir.resolve("memory.soft_limit_in_bytes"), String.valueOf((long)memRange.min()));
                        }
                        memoryDir = dir;
                        notes.put(Kind.MEMORY, "enforced: cgroup v1 memory.limit_in_bytes " + bytes(mem) +
                            ", heap -Xmx");
                    }
                    if (cpuRange != null)
                    {
                        final Path cpuRoot = ROOT.resolve("cpu");
                        if (Files.isRegularFile(cpuRoot.resolve("cpu.cfs_quota_us")) && Files.isWritable(cpuRoot))
                        {
                            final Path dir = cpuRoot.resolve(group).resolve(instance);
                            Files.createDirectories(dir);
                            dirs.add(dir);
                            if (cpu > 0)
                            {
                                write(dir.resolve("cpu.cfs_period_us"), String.valueOf(CPU_PERIOD_US));
                                write(dir.resolve("cpu.cfs_quota_us"), String.valueOf((long)(cpu * CPU_PERIOD_US)));
                            }
                            if (cpuRange.min() > 0)
                            {
                                write(dir.resolve("cpu.shares"), String.valueOf(Math.max(2,
                                    (long)(cpuRange.min() * 1024))));
                            }
                            notes.put(Kind.CPU, "enforced: cgroup v1 cpu.cfs_quota_us " + Kind.CPU.format(cpu) +
                                ", -XX:ActiveProcessorCount");
                        }
                        else
                        {
                            notes.put(Kind.CPU, "not enforced: no writable cgroup v1 cpu hierarchy; only " +
                                "-XX:ActiveProcessorCount is set");
                        }
                    }
                }
                case NONE ->
                {
                    if (memRange != null)
                    {
                        notes.put(Kind.MEMORY, "not enforced: no usable cgroup hierarchy on this machine; only " +
                            "the heap is capped (-Xmx)");
                    }
                    if (cpuRange != null)
                    {
                        notes.put(Kind.CPU, "not enforced: no usable cgroup hierarchy; only " +
                            "-XX:ActiveProcessorCount is set");
                    }
                }
            }
        }
        catch (final IOException ex)
        {
            for (final Kind k : new Kind[] {Kind.MEMORY, Kind.CPU})
            {
                if (resources.get(k) != null && !notes.containsKey(k))
                {
                    notes.put(k, "not enforced: cannot write the cgroup (" + ex.getMessage() + ")");
                }
            }
        }
        if (resources.get(Kind.STORAGE) != null)
        {
            notes.put(Kind.STORAGE, "not enforced: Cell sets no filesystem quota; use a quota-enabled " +
                "filesystem for the cell's folder");
        }
        return new Enforcement(List.copyOf(dirs), List.copyOf(flags), Map.copyOf(notes), memoryDir);
    }

    /**
     * @param enforcement an instance's groups.
     * @param command     the command that starts it.
     * @return a command that first moves itself into the groups, then {@code exec}s {@code command}.
     */
    public static List<String> wrap(final Enforcement enforcement, final List<String> command)
    {
        if (enforcement.dirs().isEmpty())
        {
            return command;
        }
        final StringBuilder script = new StringBuilder();
        for (final Path dir : enforcement.dirs())
        {
            script.append("echo $$ > '").append(dir.resolve("cgroup.procs").toString().replace("'", "'\\''"))
                .append("' || exit 97; ");
        }
        script.append("exec \"$@\"");
        final List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", script.toString(), "cell-instance"));
        wrapped.addAll(command);
        return wrapped;
    }

    /**
     * @param enforcement an exited instance's groups.
     * @return true when the kernel killed something in its memory group for exceeding the limit.
     */
    public static boolean memoryLimitHit(final Enforcement enforcement)
    {
        final Path dir = enforcement.memoryDir();
        if (dir == null)
        {
            return false;
        }
        final String control = read(dir.resolve("memory.oom_control"));
        if (!control.isEmpty())
        {
            return counter(control, "oom_kill") > 0 || counter(read(dir.resolve("memory.failcnt")), "") > 0;
        }
        return counter(read(dir.resolve("memory.events")), "oom_kill") > 0;
    }

    /**
     * Remove an exited instance's groups (they must be empty).
     *
     * @param enforcement the groups.
     */
    public static void remove(final Enforcement enforcement)
    {
        for (final Path dir : enforcement.dirs())
        {
            try
            {
                Files.deleteIfExists(dir);
            }
            catch (final IOException ignore)
            {
                // Still populated for a moment after the exit, or already gone: try the parent anyway.
            }
        }
    }

    /**
     * Remove the groups a supervisor left behind when it was killed ({@code cell/<tissue>-<pid>} whose process is
     * gone and whose groups are empty).
     */
    public void sweepStale()
    {
        for (final Path base : mode == Mode.V1 ? List.of(ROOT.resolve("memory"), ROOT.resolve("cpu")) :
            List.of(ROOT))
        {
            final Path parent = base.resolve(group).getParent();
            if (parent == null || !Files.isDirectory(parent))
            {
                continue;
            }
            try (java.util.stream.Stream<Path> groups = Files.list(parent))
            {
                for (final Path g : groups.filter(Files::isDirectory).toList())
                {
                    final String name = g.getFileName().toString();
                    final int dash = name.lastIndexOf('-');
                    final long pid = dash < 0 ? -1 : parse(name.substring(dash + 1));
                    if (pid <= 0 || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    {
                        continue;
                    }
                    try (java.util.stream.Stream<Path> instances = Files.list(g))
                    {
                        for (final Path i : instances.filter(Files::isDirectory).toList())
                        {
                            if (read(i.resolve("cgroup.procs")).isBlank())
                            {
                                Files.deleteIfExists(i);
                            }
                        }
                    }
                    Files.deleteIfExists(g);
                }
            }
            catch (final IOException ignore)
            {
                // Not ours or still in use: leave it.
            }
        }
    }

    /**
     * Remove this supervisor's (empty) group folders.
     */
    public void removeGroup()
    {
        for (final Path base : mode == Mode.V1 ? List.of(ROOT.resolve("memory"), ROOT.resolve("cpu")) :
            List.of(ROOT))
        {
            try
            {
                Files.deleteIfExists(base.resolve(group));
            }
            catch (final IOException ignore)
            {
                // Not empty or not ours: leave it.
            }
        }
    }

    private static void enableV2Controllers(final Path dir) throws IOException
    {
        Path p = ROOT;
        for (final Path part : ROOT.relativize(dir))
        {
            write(p.resolve("cgroup.subtree_control"), "+memory +cpu");
            p = p.resolve(part);
            Files.createDirectories(p);
        }
        write(p.resolve("cgroup.subtree_control"), "+memory +cpu");
    }

    private static long counter(final String text, final String key)
    {
        for (final String line : text.split("\n"))
        {
            final String t = line.trim();
            if (key.isEmpty() && !t.isEmpty())
            {
                return parse(t);
            }
            if (t.startsWith(key + " "))
            {
                return parse(t.substring(key.length()).trim());
            }
        }
        return 0;
    }

    private static long parse(final String s)
    {
        try
        {
            return Long.parseLong(s);
        }
        catch (final NumberFormatException ex)
        {
            return 0;
        }
    }

    private static void write(final Path file, final String value) throws IOException
    {
        Files.writeString(file, value, StandardCharsets.US_ASCII);
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static String bytes(final double n)
    {
        return n > 0 ? Resources.bytes((long)n) : "(no max)";
    }

    @Override
    public String toString()
    {
        return mode.name().toLowerCase(Locale.ROOT) + ":" + group;
    }
}
