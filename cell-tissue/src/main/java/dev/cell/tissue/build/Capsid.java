package dev.cell.tissue.build;

import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.tissue.config.Resources;
import dev.cell.tissue.config.Resources.Kind;
import dev.cell.tissue.launch.Cgroups;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The sandbox a build of somebody else's source runs in: its own cgroup (memory and CPU capped, every process left
 * in it killed at {@link #close()}) and, where Linux allows an unprivileged user namespace, a user + network + mount
 * namespace in which
 * <ul>
 *     <li>there is no network: a fresh network namespace has only a loopback interface, and it is down, so every
 *     TCP or UDP socket fails with "network unreachable" (abstract unix sockets are per network namespace too);</li>
 *     <li>every mount is read-only except the build's own folder (and, for the dependency-resolution step only,
 *     the local Maven repository): each mount point is remounted {@code ro} with its locked flags kept, and a
 *     mount that cannot be fails the command with {@link #SETUP_FAILED} rather than leaving it writable;</li>
 *     <li>{@code /tmp}, {@code /var/tmp}, {@code /run}, {@code /dev/shm} and the cell home's {@code identity}
 *     folder are covered by empty read-only tmpfs mounts (no host daemon's unix socket, no private key), unless
 *     the build folder lies under one of them;</li>
 *     <li>the command runs with no capabilities ({@code setpriv --bounding-set=-all --no-new-privs}), so it cannot
 *     remount anything writable, unmount the covers, or map itself out of the namespace.</li>
 * </ul>
 * Reads are not confined beyond those covers: the build sees the files its user may read. Where the namespaces are
 * not available ({@link #support()} says why) only the cgroup applies, and {@link #notes()} says so.
 * <pre>
 * try (Capsid capsid = Capsid.open(dir, Capsid.Options.offline(cellHome)))
 * {
 *     ProcessBuilder pb = new ProcessBuilder(capsid.command(List.of("mvn", "-o", "package")));
 *     pb.environment().putAll(capsid.environment(pb.environment()));
 *     ...
 * }
 * </pre>
 *
 * @since 0.3
 */
public final class Capsid implements AutoCloseable
{
    /**
     * Exit status of a sandbox whose own set-up failed (a mount that could not be made read-only, …).
     */
    public static final int SETUP_FAILED = 96;

    private static final String UNSHARE = "unshare";
    private static final String SETPRIV = "setpriv";
    private static final Set<String> LOCKED_FLAGS = Set.of("nosuid", "nodev", "noexec", "noatime", "nodiratime",
        "relatime", "strictatime");
    private static final List<String> COVERED = List.of("/tmp", "/var/tmp", "/run", "/dev/shm");
    private static final long DEFAULT_MEMORY = 2L << 30;
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static volatile Support support;

    private final Path folder;
    private final Options options;
    private final Path tmp;
    private final List<Path> covers = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Cgroups cgroups;
    private final Cgroups.Enforcement enforcement;
    private final boolean confined;

    /**
     * What this machine offers.
     *
     * @param namespaces true when user, network and mount namespaces can be created and capabilities dropped.
     * @param reason     why not, when not.
     */
    public record Support(boolean namespaces, String reason)
    {
    }

    /**
     * How a sandbox is set up.
     *
     * @param network     true to keep the host's network (the dependency-resolution step).
     * @param writable    folders writable besides the build folder.
     * @param memoryBytes the cgroup memory limit.
     * @param cellHome    the cell home whose {@code identity} folder is covered, or null.
     */
    public record Options(boolean network, List<Path> writable, long memoryBytes, Path cellHome)
    {
        /**
         * Canonical constructor: copies the list.
         */
        public Options
        {
            writable = List.copyOf(writable);
        }

        /**
         * @param cellHome the cell home whose identity folder is covered, or null.
         * @return no network, only the build folder writable, the default memory limit (2 GiB, or the
         * {@code cell.capsid.memory} property / {@code CELL_CAPSID_MEMORY}, in bytes).
         */
        public static Options offline(final Path cellHome)
        {
            return new Options(false, List.of(), memoryLimit(), cellHome);
        }

        /**
         * @param mavenRepo the local Maven repository the step may write.
         * @return these options for the step that resolves dependencies: network allowed, the build folder and
         * {@code mavenRepo} writable, the same memory limit and covered cell home.
         */
        public Options resolving(final Path mavenRepo)
        {
            return new Options(true, List.of(mavenRepo), memoryBytes, cellHome);
        }
    }

    private Capsid(final Path folder, final Options options)
    {
        this.folder = folder;
        this.options = options;
        this.tmp = folder.resolve(".capsid-tmp");
        final Support s = support();
        this.confined = s.namespaces();
        this.cgroups = new Cgroups("cell/capsid-" + ProcessHandle.current().pid());
        final Map<Kind, Resources.Range> limits = new HashMap<>();
        limits.put(Kind.MEMORY, new Resources.Range(-1, options.memoryBytes()));
        limits.put(Kind.CPU, new Resources.Range(-1, Runtime.getRuntime().availableProcessors()));
        this.enforcement = cgroups.create("build-" + SEQUENCE.incrementAndGet(), new Resources(limits, Map.of(), false));
        // The cgroup's own notes also name the JVM flags an instance gets; a build gets only the group.
        notes.add("memory: " + enforcement.notes().get(Kind.MEMORY).replace(", heap -Xmx", "")
            .replace("; only the heap is capped (-Xmx)", ""));
        notes.add("cpu: " + enforcement.notes().get(Kind.CPU).replace(", -XX:ActiveProcessorCount", "")
            .replace("; only -XX:ActiveProcessorCount is set", ""));
        if (confined)
        {
            notes.add("network: " + (options.network() ? "allowed (dependency resolution)" :
                "enforced: an empty network namespace (no interface but a loopback that is down)"));
            for (final String c : COVERED)
            {
                cover(Path.of(c));
            }
            if (options.cellHome() != null)
            {
                cover(options.cellHome().toAbsolutePath().normalize().resolve("identity"));
            }
            notes.add("writes: enforced: every mount read-only except " + folder +
                (options.writable().isEmpty() ? "" : " and " + options.writable()) + "; covered by empty " +
                "read-only tmpfs: " + covers);
            notes.add("privileges: enforced: no capabilities, no-new-privs");
        }
        else
        {
            notes.add("network: not enforced: " + s.reason() + "; Maven runs offline (-o) but the build's code " +
                "could open sockets");
            notes.add("writes: not enforced: " + s.reason() + "; the build can write wherever its user can");
        }
    }

    /**
     * Open a sandbox for one build folder (its cgroup is created now).
     *
     * @param folder  the build's folder, the only one it may write.
     * @param options how.
     * @return the sandbox; close it when the command has exited.
     * @throws IOException when the folder cannot be resolved.
     */
    public static Capsid open(final Path folder, final Options options) throws IOException
    {
        for (final Path w : options.writable())
        {
            Files.createDirectories(w);
        }
        final Capsid capsid = new Capsid(folder.toRealPath(), options);
        try
        {
            Files.createDirectories(capsid.tmp);
        }
        catch (final IOException | RuntimeException ex)
        {
            capsid.close(); // its cgroup, made by the constructor
            throw ex;
        }
        return capsid;
    }

    /**
     * @return whether user, network and mount namespaces work here (probed once per process by starting
     * {@code unshare … setpriv … true}).
     */
    public static Support support()
    {
        Support s = support;
        if (s == null)
        {
            s = probe();
            support = s;
        }
        return s;
    }

    /**
     * @return true when the namespaces are in force (not only the cgroup).
     */
    public boolean confined()
    {
        return confined;
    }

    /**
     * @return what is enforced and what is not, one line per kind.
     */
    public List<String> notes()
    {
        return List.copyOf(notes);
    }

    /**
     * @param command the command to run inside.
     * @return a command that joins the cgroup, enters the namespaces, sets up the mounts, drops every capability
     * and then {@code exec}s {@code command}.
     */
    public List<String> command(final List<String> command)
    {
        final List<String> inner = new ArrayList<>();
        if (confined)
        {
            inner.add(UNSHARE);
            inner.add("--user");
            inner.add("--map-root-user");
            inner.add("--mount");
            inner.add("--propagation");
            inner.add("private");
            if (!options.network())
            {
                inner.add("--net");
            }
            inner.addAll(List.of("/bin/sh", "-c", script(), "capsid"));
        }
        inner.addAll(command);
        return Cgroups.wrap(enforcement, inner);
    }

    /**
     * @param base the environment the command would get.
     * @return the variables to set on it: {@code TMPDIR} and the JVM's {@code java.io.tmpdir} (through
     * {@code MAVEN_OPTS}) inside the build folder.
     */
    public Map<String, String> environment(final Map<String, String> base)
    {
        final Map<String, String> env = new HashMap<>();
        env.put("TMPDIR", tmp.toString());
        final String opts = base.getOrDefault("MAVEN_OPTS", "");
        env.put("MAVEN_OPTS", (opts.isBlank() ? "" : opts + " ") + "-Djava.io.tmpdir=" + tmp);
        return env;
    }

    /**
     * Run a command in the sandbox, its output to a file.
     *
     * @param dir      its working folder.
     * @param command  the command.
     * @param log      where its output goes.
     * @param timeoutS how long it may run before it is killed.
     * @return its exit status (137 when it was killed for its time).
     * @throws IOException          when it cannot be started.
     * @throws InterruptedException when interrupted while waiting.
     */
    public int run(final Path dir, final List<String> command, final Path log, final long timeoutS)
        throws IOException, InterruptedException
    {
        final ProcessBuilder pb = new ProcessBuilder(command(command)).directory(dir.toFile())
            .redirectErrorStream(true).redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(environment(pb.environment()));
        final Process p = pb.start();
        if (!p.waitFor(timeoutS, TimeUnit.SECONDS))
        {
            p.destroyForcibly().waitFor();
            return 137;
        }
        return p.exitValue();
    }

    /**
     * Kill whatever the command left running in its cgroup, remove the cgroup and the build's temporary folder.
     */
    @Override
    public void close()
    {
        for (final Path dir : enforcement.dirs())
        {
            try
            {
                for (final String line : Files.readAllLines(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII))
                {
                    final String pid = line.strip();
                    if (!pid.isEmpty())
                    {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            }
            catch (final IOException | NumberFormatException ignore)
            {
                // No group (nothing to kill) or it is already gone.
            }
        }
        for (int i = 0; i < 50 && !empty(enforcement); i++)
        {
            LockSupport.parkNanos(20_000_000L);
        }
        Cgroups.remove(enforcement);
        cgroups.removeGroup();
        InstanceRegistry.deleteTree(tmp);
    }

    private void cover(final Path dir)
    {
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !folder.startsWith(dir) &&
            options.writable().stream().noneMatch(w -> w.toAbsolutePath().normalize().startsWith(dir)))
        {
            covers.add(dir);
        }
        else if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS))
        {
            notes.add("not covered: " + dir + " (the build folder or a writable folder is under it)");
        }
    }

    private String script()
    {
        final List<Mount> mounts = Mount.current();
        final StringBuilder sb = new StringBuilder(4096);
        sb.append("fail() { echo \"capsid: $1\" >&2; exit ").append(SETUP_FAILED).append("; }\n");
        for (final Mount m : mounts)
        {
            if (!m.readOnly())
            {
                sb.append("mount -o ").append(quote("remount,bind,ro" + m.lockedFlags())).append(' ')
                    .append(quote(m.point())).append(" || fail ").append(quote("cannot make " + m.point() +
                    " read-only")).append('\n');
            }
        }
        for (final Path c : covers)
        {
            sb.append("mount -t tmpfs -o ro,nosuid,nodev,noexec,size=4k,mode=0755 capsid ").append(quote(c.toString()))
                .append(" || fail ").append(quote("cannot cover " + c)).append('\n');
        }
        final List<Path> writable = new ArrayList<>();
        writable.add(folder);
        for (final Path w : options.writable())
        {
            writable.add(w.toAbsolutePath().normalize());
        }
        for (final Path w : writable)
        {
            final String flags = Mount.containing(mounts, w).lockedFlags();
            sb.append("mount --bind ").append(quote(w.toString())).append(' ').append(quote(w.toString()))
                .append(" && mount -o ").append(quote("remount,bind,rw" + flags)).append(' ')
                .append(quote(w.toString())).append(" || fail ").append(quote("cannot keep " + w + " writable"))
                .append('\n');
        }
        // The working folder was entered before its bind mount: enter it again, through the mount now on top.
        sb.append("cd \"$PWD\" || fail \"cannot enter $PWD\"\n");
        sb.append("exec ").append(SETPRIV).append(" --no-new-privs --inh-caps=-all --bounding-set=-all -- \"$@\"\n");
        return sb.toString();
    }

    private static boolean empty(final Cgroups.Enforcement enforcement)
    {
        for (final Path dir : enforcement.dirs())
        {
            try
            {
                if (!Files.readString(dir.resolve("cgroup.procs"), StandardCharsets.US_ASCII).isBlank())
                {
                    return false;
                }
            }
            catch (final IOException ignore)
            {
                // gone
            }
        }
        return true;
    }

    private static Support probe()
    {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"))
        {
            return new Support(false, "not Linux (" + System.getProperty("os.name") + ")");
        }
        try
        {
            final ProcessBuilder pb = new ProcessBuilder(UNSHARE, "--user", "--map-root-user", "--mount", "--net",
                "--propagation", "private", SETPRIV, "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all",
                "--", "true").redirectErrorStream(true);
            final Process p = pb.start();
            final byte[] out = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(10, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                return new Support(false, "unshare did not finish in 10 s");
            }
            if (p.exitValue() != 0)
            {
                return new Support(false, "no unprivileged user namespaces here (unshare --user --net --mount: " +
                    new String(out, StandardCharsets.UTF_8).strip() + ")");
            }
            return new Support(true, "");
        }
        catch (final IOException ex)
        {
            return new Support(false, "unshare or setpriv (util-linux) is not installed: " + ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Support(false, "interrupted while probing");
        }
    }

    private static long memoryLimit()
    {
        String v = System.getProperty("cell.capsid.memory");
        if (v == null || v.isBlank())
        {
            v = System.getenv("CELL_CAPSID_MEMORY");
        }
        try
        {
            return v == null || v.isBlank() ? DEFAULT_MEMORY : Long.parseLong(v.strip());
        }
        catch (final NumberFormatException ex)
        {
            return DEFAULT_MEMORY;
        }
    }

    static String quote(final String s)
    {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * One line of {@code /proc/self/mountinfo}: the mount point (unescaped) and its per-mount options.
     */
    private record Mount(String point, List<String> options)
    {
        boolean readOnly()
        {
            return options.contains("ro");
        }

        /**
         * @return the flags a user namespace may not clear (kept on every remount), each with a leading comma.
         */
        String lockedFlags()
        {
            final StringBuilder sb = new StringBuilder();
            for (final String o : options)
            {
                if (LOCKED_FLAGS.contains(o))
                {
                    sb.append(',').append(o);
                }
            }
            return sb.toString();
        }

        static List<Mount> current()
        {
            final List<Mount> mounts = new ArrayList<>();
            try
            {
                for (final String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8))
                {
                    final String[] f = line.split(" ");
                    if (f.length > 5)
                    {
                        mounts.add(new Mount(unescape(f[4]), List.of(f[5].split(","))));
                    }
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("cannot read /proc/self/mountinfo: " + ex.getMessage(), ex);
            }
            return mounts;
        }

        static Mount containing(final List<Mount> mounts, final Path dir)
        {
            Mount best = new Mount("/", List.of());
            int bestLength = -1;
            for (final Mount m : mounts)
            {
                final Path p = Path.of(m.point());
                if (dir.startsWith(p) && p.toString().length() >= bestLength)
                {
                    best = m;
                    bestLength = p.toString().length();
                }
            }
            return best;
        }

        private static String unescape(final String s)
        {
            final StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++)
            {
                final char c = s.charAt(i);
                if (c == '\\' && i + 3 < s.length() &&
                    s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7'))
                {
                    sb.append((char)Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                }
                else
                {
                    sb.append(c);
                }
            }
            return sb.toString();
        }
    }
}
