package dev.cell.systemtest.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What {@link NetNamespaces} needs to know about the machine: whether namespaces can be made here, where {@code ip}
 * is, and which namespaces dead JVMs left behind.
 */
final class NetnsProbe
{
    static final Path NETNS_DIR = Path.of("/run/netns");
    static final Duration IP_TIMEOUT = Duration.ofSeconds(20);

    private NetnsProbe()
    {
    }

    static Availability probe()
    {
        final String uid = uid();
        if (!"0".equals(uid))
        {
            return Availability.no("not running as root (uid " + uid + ")");
        }
        final String ip = ipCommand();
        if (ip == null)
        {
            return Availability.no("no 'ip' command (iproute2) on PATH or in " + Child.SYSTEM_DIRS);
        }
        final String namespace = NetNamespaces.PREFIX + Long.toString(ProcessHandle.current().pid(), 36) + "-probe";
        try
        {
            final Child.Result add = Child.run(List.of(ip, "netns", "add", namespace), IP_TIMEOUT);
            if (add.exitCode() != 0)
            {
                return Availability.no("'ip netns add' failed: " + add.output().strip());
            }
            final Availability made;
            final Child.Result delete;
            try
            {
                made = probeLinks(ip, namespace);
            }
            finally
            {
                delete = Child.run(List.of(ip, "netns", "delete", namespace), IP_TIMEOUT);
            }
            if (delete.exitCode() != 0)
            {
                return Availability.no("'ip netns delete' failed: " + delete.output().strip());
            }
            if (!made.available())
            {
                return made;
            }
            return Availability.yes("root, " + ip + ", probe namespace made and deleted");
        }
        catch (final IOException ex)
        {
            return Availability.no("probe failed: " + ex.getMessage());
        }
    }

    private static Availability probeLinks(final String ip, final String namespace) throws IOException
    {
        final Child.Result bridge = Child.run(
            List.of(ip, "-n", namespace, "link", "add", "probebr", "type", "bridge"), IP_TIMEOUT);
        if (bridge.exitCode() != 0)
        {
            return Availability.no("cannot make a bridge in a namespace: " + bridge.output().strip());
        }
        final Child.Result veth = Child.run(
            List.of(ip, "-n", namespace, "link", "add", "probea", "type", "veth", "peer", "name", "probeb"),
            IP_TIMEOUT);
        if (veth.exitCode() != 0)
        {
            return Availability.no("cannot make a veth pair in a namespace: " + veth.output().strip());
        }
        return Availability.yes("links made");
    }

    private static String uid()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Uid:"))
                {
                    return line.substring(4).trim().split("\\s+")[1];
                }
            }
            return "unknown";
        }
        catch (final IOException ex)
        {
            return "unknown (" + ex.getMessage() + ")";
        }
    }

    static String ipCommand()
    {
        return Child.which("ip");
    }

    static void sweepStale(final String ip)
    {
        if (!Files.isDirectory(NETNS_DIR))
        {
            return;
        }
        final long self = ProcessHandle.current().pid();
        try (Stream<Path> entries = Files.list(NETNS_DIR))
        {
            for (final Path entry : entries.toList())
            {
                final String name = entry.getFileName().toString();
                if (!name.startsWith(NetNamespaces.PREFIX))
                {
                    continue;
                }
                final String rest = name.substring(NetNamespaces.PREFIX.length());
                final int dash = rest.indexOf('-');
                if (dash <= 0)
                {
                    continue;
                }
                final long pid;
                try
                {
                    pid = Long.parseLong(rest.substring(0, dash), 36);
                }
                catch (final NumberFormatException ex)
                {
                    continue;
                }
                if (pid != self && ProcessHandle.of(pid).isEmpty())
                {
                    Child.run(List.of(ip, "netns", "delete", name), IP_TIMEOUT);
                }
            }
        }
        catch (final IOException ex)
        {
            System.out.println("netns: could not sweep stale namespaces: " + ex.getMessage());
        }
    }
}
