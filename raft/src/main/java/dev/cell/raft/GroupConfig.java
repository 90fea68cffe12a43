package dev.cell.raft;

import dev.cell.ledger.PrivateFiles;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A stateful cell's group as written under {@code <cellDir>/.cell/replicas/}: {@code group.properties} holds the
 * group id, each replica slot's port (and, for a group that spans hosts, its host: {@code host.<slot>}, loopback
 * when absent), the current voting members and the listeners (non-voting members that keep the full state); each
 * replica lives in {@code <slot>/}. Ports are chosen once, when a slot is created, so restarted replicas keep their
 * identity.
 * <p>
 * The group file lock excludes other processes only; the methods that take it are also synchronized, since replicas
 * of one JVM (and a membership change beside them) taking it at once would meet an OverlappingFileLockException.
 * <p>
 * Every folder here is created 0700 and every file 0600 (the permissions go with the create call): another local user
 * can read neither the group id nor anything a replica stores.
 */
final class GroupConfig
{
    static final String FILE = "group.properties";
    private static final int LOWEST_PORT = 20_000;

    static final String LOOPBACK = "127.0.0.1";
    /**
     * The files that define a group that spans hosts, under the replicas folder.
     */
    static final List<String> FILES = List.of(FILE, EntryAuth.FILE, GroupTls.DIR + "/" + GroupTls.KEY,
        GroupTls.DIR + "/" + GroupTls.CERTIFICATE);

    final Path replicasDir;
    final UUID groupId;
    final TreeMap<Integer, Integer> ports;
    final TreeMap<Integer, String> hosts;
    final List<Integer> members;
    final List<Integer> listeners;

    private GroupConfig(final Path replicasDir, final UUID groupId, final TreeMap<Integer, Integer> ports,
        final TreeMap<Integer, String> hosts, final List<Integer> members, final List<Integer> listeners)
    {
        this.replicasDir = replicasDir;
        this.groupId = groupId;
        this.ports = ports;
        this.hosts = hosts;
        this.members = members;
        this.listeners = listeners;
    }

    /**
     * @return the host a slot's replica runs on and binds its Raft port to.
     */
    String host(final int slot)
    {
        return hosts.getOrDefault(slot, LOOPBACK);
    }

    /**
     * @return true when some slot lives on another host than loopback: the Raft ports then carry traffic between
     * machines, which only gRPC with the group's mutual TLS may do.
     */
    boolean spansHosts()
    {
        return hosts.values().stream().anyMatch(h -> !h.equals(LOOPBACK) && !h.equals("localhost"));
    }

    /**
     * Write a new group with the given members (voters and listeners, each with its host and port), with its secret
     * and TLS key: the group that spans hosts is defined once, on one host, and its folder copied to the others
     * ({@link #copy}).
     */
    static synchronized GroupConfig define(final Path cellDir, final List<GroupMember> members) throws IOException
    {
        final Path dir = replicasDir(cellDir);
        PrivateFiles.createDirectories(dir);
        try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
        {
            if (Files.exists(dir.resolve(FILE)))
            {
                throw new IllegalStateException("a group is already defined in " + dir.resolve(FILE));
            }
            final TreeMap<Integer, Integer> ports = new TreeMap<>();
            final TreeMap<Integer, String> hosts = new TreeMap<>();
            final List<Integer> voters = new ArrayList<>();
            final List<Integer> listening = new ArrayList<>();
            for (final GroupMember m : members)
            {
                if (ports.put(m.slot(), m.port()) != null)
                {
                    throw new IllegalArgumentException("slot " + m.slot() + " is listed twice");
                }
                hosts.put(m.slot(), m.host());
                (m.listener() ? listening : voters).add(m.slot());
            }
            if (voters.isEmpty())
            {
                throw new IllegalArgumentException("a group needs at least one voting member");
            }
            final GroupConfig config = new GroupConfig(dir, UUID.randomUUID(), ports, hosts, voters, listening);
            config.write();
            return config;
        }
    }

    /**
     * Copy a group's definition and secrets (group file, entry key, TLS key and certificate; no replica's data) from
     * one cell folder to another, e.g. to the registry folder of another host; files stay 0600 in 0700 folders.
     */
    static void copy(final Path fromCellDir, final Path toCellDir) throws IOException
    {
        final Path from = replicasDir(fromCellDir);
        final Path to = replicasDir(toCellDir);
        PrivateFiles.createDirectories(to.resolve(GroupTls.DIR));
        for (final String name : FILES)
        {
            final Path source = from.resolve(name);
            if (!Files.isRegularFile(source))
            {
                throw new IllegalStateException("the group in " + from + " has no " + name +
                    " (define it with Replica.defineGroup)");
            }
            PrivateFiles.writeAtomically(to.resolve(name), Files.readAllBytes(source), true);
        }
    }

    static Path replicasDir(final Path cellDir)
    {
        return cellDir.resolve(".cell").resolve("replicas");
    }

    /**
     * Load the group, creating it (group id, {@code replicas} slots with free ports) when absent. Serialised across
     * processes with a file lock.
     */
    static synchronized GroupConfig loadOrCreate(final Path cellDir, final int replicas)
    {
        final Path dir = replicasDir(cellDir);
        try
        {
            PrivateFiles.createDirectories(dir);
            try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
            {
                final Path file = dir.resolve(FILE);
                if (Files.isRegularFile(file))
                {
                    final GroupConfig existing = read(dir);
                    if (readableByOthers(file))
                    {
                        existing.write(); // written by an older version with the umask: replaced by a 0600 file
                    }
                    return existing;
                }
                final TreeMap<Integer, Integer> ports = new TreeMap<>();
                final List<Integer> members = new ArrayList<>();
                for (int i = 0; i < replicas; i++)
                {
                    ports.put(i, freePort());
                    members.add(i);
                }
                final GroupConfig config = new GroupConfig(dir, UUID.randomUUID(), ports, new TreeMap<>(), members,
                    new ArrayList<>());
                config.write();
                return config;
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot set up the replica group under " + dir, ex);
        }
    }

    private static boolean readableByOthers(final Path file) throws IOException
    {
        try
        {
            final var permissions = Files.getPosixFilePermissions(file);
            return permissions.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ) ||
                permissions.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        }
        catch (final UnsupportedOperationException ex)
        {
            return false;
        }
    }

    static GroupConfig read(final Path dir) throws IOException
    {
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dir.resolve(FILE)))
        {
            p.load(r);
        }
        final TreeMap<Integer, Integer> ports = new TreeMap<>();
        final TreeMap<Integer, String> hosts = new TreeMap<>();
        for (final String key : p.stringPropertyNames())
        {
            if (key.startsWith("port."))
            {
                ports.put(Integer.parseInt(key.substring(5)), Integer.parseInt(p.getProperty(key)));
            }
            else if (key.startsWith("host."))
            {
                hosts.put(Integer.parseInt(key.substring(5)), p.getProperty(key).strip());
            }
        }
        return new GroupConfig(dir, UUID.fromString(p.getProperty("group")), ports, hosts,
            slots(p.getProperty("members", "")), slots(p.getProperty("listeners", "")));
    }

    private static List<Integer> slots(final String list)
    {
        final List<Integer> slots = new ArrayList<>();
        for (final String m : list.split(","))
        {
            if (!m.isBlank())
            {
                slots.add(Integer.parseInt(m.strip()));
            }
        }
        return slots;
    }

    private static String join(final List<Integer> slots)
    {
        final StringBuilder b = new StringBuilder();
        for (final int slot : slots)
        {
            b.append(b.isEmpty() ? "" : ",").append(slot);
        }
        return b.toString();
    }

    void write() throws IOException
    {
        final Properties p = new Properties();
        p.setProperty("group", groupId.toString());
        p.setProperty("members", join(members));
        if (!listeners.isEmpty())
        {
            p.setProperty("listeners", join(listeners));
        }
        ports.forEach((slot, port) -> p.setProperty("port." + slot, Integer.toString(port)));
        hosts.forEach((slot, host) -> p.setProperty("host." + slot, host));
        final StringWriter w = new StringWriter();
        p.store(w, "replica group of this stateful cell: slot ports and members");
        PrivateFiles.writeAtomically(replicasDir.resolve(FILE), w.toString().getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Add a new slot (a new replica's identity) with a free port, under the group lock.
     */
    static synchronized int addSlot(final Path cellDir) throws IOException
    {
        final Path dir = replicasDir(cellDir);
        try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
        {
            final GroupConfig config = read(dir);
            final int slot = config.ports.isEmpty() ? 0 : config.ports.lastKey() + 1;
            config.ports.put(slot, freePort());
            config.write();
            return slot;
        }
    }

    /**
     * Add a listener on another host (a host joining the group), under the group lock: the next slot, with the
     * joiner's host and Raft port. The same address twice is one joiner asking again: its slot is returned.
     */
    static synchronized int addListener(final Path cellDir, final String host, final int port) throws IOException
    {
        final GroupMember checked = new GroupMember(0, host, port, true);
        final Path dir = replicasDir(cellDir);
        try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
        {
            final GroupConfig config = read(dir);
            for (final Map.Entry<Integer, Integer> e : config.ports.entrySet())
            {
                if (e.getValue() == port && config.host(e.getKey()).equals(checked.host()))
                {
                    return e.getKey();
                }
            }
            final int slot = config.ports.isEmpty() ? 0 : config.ports.lastKey() + 1;
            new GroupMember(slot, host, port, true); // slot in range
            config.ports.put(slot, port);
            config.hosts.put(slot, checked.host());
            config.listeners.add(slot);
            config.write();
            return slot;
        }
    }

    /**
     * The files that define the group (group file, entry key, TLS key and certificate), by name under the replicas
     * folder: what {@link #copy} copies, for sending to a joining host.
     */
    static Map<String, byte[]> files(final Path cellDir) throws IOException
    {
        final Path from = replicasDir(cellDir);
        final Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        for (final String name : FILES)
        {
            files.put(name, Files.readAllBytes(from.resolve(name)));
        }
        return files;
    }

    /**
     * Write a group's files received from another host ({@link #files}); only those names, each at most 1 MiB.
     */
    static void install(final Path cellDir, final Map<String, byte[]> files) throws IOException
    {
        final Path to = replicasDir(cellDir);
        if (!files.keySet().equals(java.util.Set.copyOf(FILES)))
        {
            throw new IllegalArgumentException("a group is the files " + FILES + ", not " + files.keySet());
        }
        PrivateFiles.createDirectories(to.resolve(GroupTls.DIR));
        for (final String name : FILES)
        {
            final byte[] bytes = files.get(name);
            if (bytes.length > 1 << 20)
            {
                throw new IllegalArgumentException(name + " of " + bytes.length + " bytes is not a group file");
            }
            PrivateFiles.writeAtomically(to.resolve(name), bytes, true);
        }
        read(to); // it parses
    }

    /**
     * The group's TLS key and certificate (created at the first call), under the group lock.
     */
    static synchronized GroupTls tls(final Path cellDir, final UUID groupId) throws IOException
    {
        final Path dir = replicasDir(cellDir);
        try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
        {
            return GroupTls.loadOrCreate(dir, groupId);
        }
    }

    /**
     * Record the voters and listeners after a membership change, under the group lock.
     */
    static synchronized void writeMembers(final Path cellDir, final List<Integer> members,
        final List<Integer> listeners)
        throws IOException
    {
        writeMembers(cellDir, members, listeners, Map.of());
    }

    /**
     * Record the voters and listeners after a membership change, and the address ({@code host:port}, as Raft has it)
     * of each slot this file did not know (a host that joined elsewhere), under the group lock.
     */
    static synchronized void writeMembers(final Path cellDir, final List<Integer> members,
        final List<Integer> listeners, final Map<Integer, String> addresses)
        throws IOException
    {
        final Path dir = replicasDir(cellDir);
        try (FileChannel ch = PrivateFiles.openForWrite(dir.resolve("group.lock")); FileLock ignored = ch.lock())
        {
            final GroupConfig config = read(dir);
            boolean learned = false;
            for (final Map.Entry<Integer, String> a : addresses.entrySet())
            {
                final int colon = a.getValue().lastIndexOf(':');
                if (!config.ports.containsKey(a.getKey()) && colon > 0)
                {
                    final String host = a.getValue().substring(0, colon).replace("[", "").replace("]", "");
                    config.ports.put(a.getKey(), Integer.parseInt(a.getValue().substring(colon + 1)));
                    config.hosts.put(a.getKey(), host);
                    learned = true;
                }
            }
            if (!learned && config.members.equals(members) && config.listeners.equals(listeners))
            {
                return;
            }
            config.members.clear();
            config.members.addAll(members);
            config.listeners.clear();
            config.listeners.addAll(listeners);
            config.write();
        }
    }

    Path slotDir(final int slot)
    {
        return replicasDir.resolve(Integer.toString(slot));
    }

    /**
     * Claim a slot for this process: {@code wanted} (or, when negative, the first member slot no live process holds)
     * by locking {@code <slot>/replica.lock}. The lock is released by the OS when the process dies.
     */
    SlotLock claim(final int wanted) throws IOException
    {
        final List<Integer> candidates = new ArrayList<>(wanted >= 0 ? List.of(wanted) : members);
        if (wanted < 0)
        {
            candidates.addAll(listeners);
            if (spansHosts())
            {
                // Each host's copy of the cell runs the slots whose address is one of this machine's.
                candidates.removeIf(slot -> !dev.cell.runtime.client.Endpoint.isLocal(host(slot)));
                if (candidates.isEmpty())
                {
                    throw new IllegalStateException("no replica slot of the group under " + replicasDir + " is on " +
                        "this host: its slots' hosts are " + hosts.values() + " and none is an address of this " +
                        "machine");
                }
            }
        }
        for (final int slot : candidates)
        {
            if (!ports.containsKey(slot))
            {
                throw new IllegalArgumentException("replica slot " + slot + " is not part of the group in " +
                    replicasDir.resolve(FILE) + " (slots: " + ports.keySet() + ")");
            }
            final Path d = slotDir(slot);
            PrivateFiles.createDirectories(d);
            final FileChannel ch = PrivateFiles.openForWrite(d.resolve("replica.lock"));
            FileLock lock = null;
            try
            {
                lock = ch.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null;
            }
            if (lock != null)
            {
                return new SlotLock(slot, ch, lock);
            }
            ch.close();
        }
        throw new IllegalStateException(wanted >= 0 ?
            "replica slot " + wanted + " under " + replicasDir + " is held by a running replica" :
            "all " + members.size() + " replicas of the group under " + replicasDir + " are running already; add a " +
                "replica through a membership change to run more");
    }

    /**
     * A free loopback port below the kernel's ephemeral range, where possible: the slot keeps it for life, and a port
     * inside that range may be the local end of some outgoing connection (another replica's, or anyone's) by the
     * time the replica binds it (a test caught {@code Address already in use} on a fresh group).
     */
    static int freePort() throws IOException
    {
        final int high = ephemeralLow() - 1;
        final java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; high - LOWEST_PORT >= 1_000 && attempt < 64; attempt++)
        {
            final int port = random.nextInt(LOWEST_PORT, high + 1);
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress()))
            {
                return s.getLocalPort();
            }
            catch (final java.net.BindException taken)
            {
                // in use: try another
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return s.getLocalPort();
        }
    }

    private static int ephemeralLow()
    {
        try
        {
            final String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim()
                .split("\\s+");
            return Integer.parseInt(range[0]);
        }
        catch (final IOException | RuntimeException notLinux)
        {
            return 49_152; // the IANA dynamic range (a /proc file reads as empty through Files.readString)
        }
    }

    record SlotLock(int slot, FileChannel channel, FileLock lock) implements AutoCloseable
    {
        @Override
        public void close()
        {
            try
            {
                lock.release();
                channel.close();
            }
            catch (final IOException ignore)
            {
                // The OS releases it with the process anyway.
            }
        }
    }
}
