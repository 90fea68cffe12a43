package dev.cell.systemtest.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A private network of "hosts" for one test: Linux network namespaces, each joined by a veth pair to a bridge that
 * lives in a namespace of its own (the switch), so nothing is added to the machine's own namespace. Each host has
 * {@code lo} up and one interface with an address in a /24 of 10.0.0.0/8 that differs between instances (derived from
 * the pid and a per-JVM counter); namespace and interface names carry the pid and counter too, so parallel or
 * repeated runs do not clash. Since each instance is its own isolated layer-2 segment, addresses repeating across
 * JVMs (the derivation wraps) would be harmless.
 * <p>
 * Run commands inside a host with {@link #command(Host, List)}. {@link #close()} deletes every namespace this made,
 * and with them their interfaces and the bridge; a failure part-way through setup deletes what was made so far.
 * Namespaces left by a JVM that was killed are deleted by the next instance made on the same machine.
 * Use {@link NetnsRequirement#requireNetns()} first to skip (or, under CI, fail) where namespaces cannot be made.
 */
public final class NetNamespaces implements AutoCloseable
{
    /**
     * Prefix of every namespace name made here.
     */
    public static final String PREFIX = "cnet-";

    private static final Path NETNS_DIR = NetnsProbe.NETNS_DIR;
    private static final Duration IP_TIMEOUT = NetnsProbe.IP_TIMEOUT;
    private static final int MAX_INTERFACE_NAME = 15;
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final AtomicBoolean SWEPT = new AtomicBoolean();
    private static Availability availability;

    private final String ip;
    private final String token;
    private final String subnet;
    private final String switchNamespace;
    private final String bridge;
    private final List<Host> hosts = new ArrayList<>();
    private final List<String> created = new ArrayList<>();
    private boolean closed;

    /**
     * One host of the network.
     *
     * @param index         its position, from 0.
     * @param namespace     the network namespace name (for {@code ip netns exec}).
     * @param interfaceName its interface towards the bridge, inside the namespace.
     * @param address       its IPv4 address on that interface (/24).
     */
    public record Host(int index, String namespace, String interfaceName, InetAddress address)
    {
        /**
         * @return the address in dotted form.
         */
        public String ip()
        {
            return address.getHostAddress();
        }
    }

    private NetNamespaces(final String ip, final int hosts, final int failAtCommand) throws IOException
    {
        this.ip = ip;
        final long pid = ProcessHandle.current().pid();
        int counter;
        String candidate;
        do
        {
            counter = COUNTER.getAndIncrement();
            candidate = Long.toString(pid, 36) + "-" + Integer.toString(counter, 36);
        }
        while (Files.exists(NETNS_DIR.resolve(PREFIX + candidate + "-sw")));
        token = candidate;
        final int net = (int)((pid * 64 + counter) % (200 * 256));
        subnet = "10." + (20 + net / 256) + "." + (net % 256);
        switchNamespace = PREFIX + token + "-sw";
        bridge = interfaceName("br");
        try
        {
            setUp(hosts, failAtCommand);
        }
        catch (final IOException | RuntimeException ex)
        {
            try
            {
                close();
            }
            catch (final RuntimeException closeFailure)
            {
                ex.addSuppressed(closeFailure);
            }
            throw ex;
        }
    }

    /**
     * Make a network of {@code hosts} hosts.
     *
     * @param hosts how many, 1 to 200.
     * @return the network; close it.
     * @throws IOException if an {@code ip} command fails (what was made is deleted first).
     */
    public static NetNamespaces create(final int hosts) throws IOException
    {
        return create(hosts, -1);
    }

    /**
     * Make a network, failing on purpose at one setup command (to test clean-up after partial setup).
     *
     * @param hosts         how many.
     * @param failAtCommand the index of the {@code ip} command to replace by a failing one, or -1.
     * @return the network.
     * @throws IOException if an {@code ip} command fails.
     */
    static NetNamespaces create(final int hosts, final int failAtCommand) throws IOException
    {
        if (hosts < 1 || hosts > 200)
        {
            throw new IllegalArgumentException("hosts must be 1 to 200: " + hosts);
        }
        final String ip = NetnsProbe.ipCommand();
        if (ip == null)
        {
            throw new IOException("no 'ip' command on PATH or in " + Child.SYSTEM_DIRS);
        }
        if (SWEPT.compareAndSet(false, true))
        {
            NetnsProbe.sweepStale(ip);
        }
        return new NetNamespaces(ip, hosts, failAtCommand);
    }

    /**
     * Whether namespaces can be made here: running as root, {@code ip} present, and a probe namespace with a bridge
     * and a veth pair can be made and deleted. Probed once per JVM.
     *
     * @return the answer with its reason.
     */
    public static synchronized Availability availability()
    {
        if (availability == null)
        {
            availability = NetnsProbe.probe();
        }
        return availability;
    }

    /**
     * @param i the host index.
     * @return that host.
     */
    public Host host(final int i)
    {
        return hosts.get(i);
    }

    /**
     * @return all hosts, in index order.
     */
    public List<Host> hosts()
    {
        return List.copyOf(hosts);
    }

    /**
     * @return the namespace that holds the bridge (capture there on {@code any} to see all traffic).
     */
    public String switchNamespace()
    {
        return switchNamespace;
    }

    /**
     * @return the bridge's interface name, inside {@link #switchNamespace()}.
     */
    public String bridgeInterface()
    {
        return bridge;
    }

    /**
     * @return the hosts' subnet, such as {@code 10.37.12.0/24}.
     */
    public String subnet()
    {
        return subnet + ".0/24";
    }

    /**
     * The command line that runs {@code cmd} inside a host's namespace, for a {@link ProcessBuilder} (environment,
     * working directory and redirections stay the caller's).
     *
     * @param host the host.
     * @param cmd  the command and its arguments.
     * @return {@code ip netns exec <namespace> cmd...}.
     */
    public List<String> command(final Host host, final List<String> cmd)
    {
        return commandIn(host.namespace(), cmd);
    }

    /**
     * Like {@link #command(Host, List)}, for any namespace of this network (such as {@link #switchNamespace()}).
     *
     * @param namespace the namespace name.
     * @param cmd       the command and its arguments.
     * @return {@code ip netns exec <namespace> cmd...}.
     */
    public List<String> commandIn(final String namespace, final List<String> cmd)
    {
        final List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
        full.addAll(cmd);
        return full;
    }

    /**
     * @return the names of the namespaces this made and has not yet deleted.
     */
    public synchronized List<String> namespaces()
    {
        return List.copyOf(created);
    }

    /**
     * Delete every namespace this made (which deletes their veths and the bridge). Every deletion is tried; if any
     * fails this throws after trying the rest. Idempotent. Kill processes running inside first: a namespace with
     * processes in it outlives its name.
     */
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final List<String> failures = new ArrayList<>();
        for (int i = created.size() - 1; i >= 0; i--)
        {
            final String namespace = created.get(i);
            try
            {
                final Child.Result result = Child.run(List.of(ip, "netns", "delete", namespace), IP_TIMEOUT);
                if (result.exitCode() != 0 && Files.exists(NETNS_DIR.resolve(namespace)))
                {
                    failures.add(namespace + ": " + result.output());
                }
                else
                {
                    created.remove(i);
                }
            }
            catch (final IOException ex)
            {
                failures.add(namespace + ": " + ex.getMessage());
            }
        }
        if (!failures.isEmpty())
        {
            throw new IllegalStateException("could not delete network namespaces: " + failures);
        }
    }

    @Override
    public String toString()
    {
        return "NetNamespaces{" + subnet() + ", switch=" + switchNamespace + ", hosts=" + hosts + "}";
    }

    private void setUp(final int count, final int failAtCommand) throws IOException
    {
        final Commands commands = new Commands(failAtCommand);
        addNamespace(commands, switchNamespace);
        commands.ip("-n", switchNamespace, "link", "set", "lo", "up");
        commands.ip("-n", switchNamespace, "link", "add", bridge, "type", "bridge");
        commands.ip("-n", switchNamespace, "link", "set", bridge, "up");
        for (int i = 0; i < count; i++)
        {
            final String namespace = PREFIX + token + "-h" + i;
            final String hostSide = interfaceName("h" + i);
            final String switchSide = interfaceName("p" + i);
            final String address = subnet + "." + (i + 1);
            addNamespace(commands, namespace);
            commands.ip("-n", namespace, "link", "set", "lo", "up");
            commands.ip("link", "add", hostSide, "netns", namespace, "type", "veth",
                "peer", "name", switchSide, "netns", switchNamespace);
            commands.ip("-n", switchNamespace, "link", "set", switchSide, "master", bridge);
            commands.ip("-n", switchNamespace, "link", "set", switchSide, "up");
            commands.ip("-n", namespace, "addr", "add", address + "/24", "dev", hostSide);
            commands.ip("-n", namespace, "link", "set", hostSide, "up");
            hosts.add(new Host(i, namespace, hostSide, parse(address)));
        }
    }

    private void addNamespace(final Commands commands, final String namespace) throws IOException
    {
        commands.ip("netns", "add", namespace);
        synchronized (this)
        {
            created.add(namespace);
        }
    }

    private String interfaceName(final String suffix)
    {
        final String name = "c" + token.replace('-', '_') + suffix;
        if (name.length() > MAX_INTERFACE_NAME)
        {
            throw new IllegalStateException("interface name over " + MAX_INTERFACE_NAME + " characters: " + name);
        }
        return name;
    }

    private static InetAddress parse(final String address)
    {
        try
        {
            return InetAddress.getByName(address);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException(address, ex);
        }
    }

    /**
     * Runs {@code ip} commands of one setup, counting them so that a test can make one fail.
     */
    private final class Commands
    {
        private final int failAt;
        private int index;

        Commands(final int failAt)
        {
            this.failAt = failAt;
        }

        void ip(final String... args) throws IOException
        {
            final List<String> cmd = new ArrayList<>();
            cmd.add(ip);
            if (index++ == failAt)
            {
                cmd.addAll(List.of("link", "set", "dev", "cnet-no-such", "up"));
            }
            else
            {
                cmd.addAll(List.of(args));
            }
            final Child.Result result = Child.run(cmd, IP_TIMEOUT);
            if (result.exitCode() != 0)
            {
                throw new IOException(String.join(" ", cmd) + " exited " + result.exitCode() + ": " +
                    result.output().strip());
            }
        }
    }
}
