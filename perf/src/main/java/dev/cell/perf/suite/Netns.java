package dev.cell.perf.suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The path "between two hosts" of the namespace rows: a network namespace this run creates, joined to the suite's
 * own by a veth pair with a private /30 (10.254.N.1 here, 10.254.N.2 inside), deleted when the suite ends. The
 * serving peer runs inside it ({@link #prefix()}); nothing leaves the machine. Needs root and iproute2; without
 * them the rows are left out, saying why.
 */
final class Netns
{
    private static Netns shared;
    private static String unavailable;

    final String name;
    final String hostIp;
    final String nsIp;

    private Netns(final String name, final String hostIp, final String nsIp)
    {
        this.name = name;
        this.hostIp = hostIp;
        this.nsIp = nsIp;
    }

    /**
     * @return why the namespace rows cannot run here, or null when they can.
     */
    static synchronized String unavailable()
    {
        if (shared == null && unavailable == null)
        {
            try
            {
                shared = create();
            }
            catch (final IOException | InterruptedException | RuntimeException ex)
            {
                unavailable = "no network namespace could be made here (" + ex.getMessage() + "; it needs root " +
                    "and iproute2)";
            }
        }
        return unavailable;
    }

    /**
     * @return this run's namespace (made by {@link #unavailable()}).
     */
    static synchronized Netns get()
    {
        if (unavailable() != null)
        {
            throw new IllegalStateException(unavailable);
        }
        return shared;
    }

    /**
     * @return the command prefix that runs a program inside the namespace.
     */
    List<String> prefix()
    {
        return List.of("ip", "netns", "exec", name);
    }

    private static Netns create() throws IOException, InterruptedException
    {
        final long pid = ProcessHandle.current().pid();
        final String name = "cellperf" + pid;
        final String outside = "cpv" + pid + "a";
        final String inside = "cpv" + pid + "b";
        final int net = (int)(pid % 250) + 1;
        final String hostIp = "10.254." + net + ".1";
        final String nsIp = "10.254." + net + ".2";
        ip("netns", "add", name);
        final Netns ns = new Netns(name, hostIp, nsIp);
        Runtime.getRuntime().addShutdownHook(new Thread(ns::delete, "delete-netns"));
        try
        {
            ip("link", "add", outside, "type", "veth", "peer", "name", inside);
            ip("link", "set", inside, "netns", name);
            ip("addr", "add", hostIp + "/30", "dev", outside);
            ip("link", "set", outside, "up");
            ip("-n", name, "addr", "add", nsIp + "/30", "dev", inside);
            ip("-n", name, "link", "set", inside, "up");
            ip("-n", name, "link", "set", "lo", "up");
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            ns.delete();
            throw ex;
        }
        return ns;
    }

    private void delete()
    {
        try
        {
            ip("netns", "del", name); // the veth pair goes with it
        }
        catch (final IOException | InterruptedException | RuntimeException ignore)
        {
            // already gone
        }
    }

    private static void ip(final String... args) throws IOException, InterruptedException
    {
        final List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final boolean done = p.waitFor(10, TimeUnit.SECONDS);
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!done || p.exitValue() != 0)
        {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": " + (done ? out : "timed out"));
        }
    }
}
