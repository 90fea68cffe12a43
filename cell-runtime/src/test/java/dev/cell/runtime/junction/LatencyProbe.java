package dev.cell.runtime.junction;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import org.agrona.ExpandableArrayBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Throwaway measurement (not a test): round trip p50/p99 of a blocking call to an echo instance in a child JVM, for
 * spin and eco, and the idle CPU of an eco instance over 5 s (from /proc/pid/stat).
 */
public final class LatencyProbe
{
    private LatencyProbe()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        for (final IdleProfile profile : IdleProfile.values())
        {
            final Path home = TestSupport.newDir("probe-home");
            final Path cellDir = TestSupport.newDir("probe-cell");
            final Process child = startChild(home, cellDir, profile);
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(),
                TestSupport.client(home).withIdleProfile(profile)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final int len = EchoCell.request(req, EchoCell.ECHO, 1);
                final Reply reply = new Reply();
                for (int i = 0; i < count; i++)
                {
                    c.call(req, 0, len, reply);
                }
                final long[] samples = new long[count];
                for (int i = 0; i < count; i++)
                {
                    final long t0 = System.nanoTime();
                    c.call(req, 0, len, reply);
                    samples[i] = System.nanoTime() - t0;
                }
                Arrays.sort(samples);
                System.out.printf(Locale.ROOT, "%-5s round trip (16 B): p50 %.2f us  p90 %.2f us  p99 %.2f us  " +
                    "max %.1f us  (%d calls)%n", profile, samples[count / 2] / 1e3, samples[count * 9 / 10] / 1e3,
                    samples[count * 99 / 100] / 1e3, samples[count - 1] / 1e3, count);
                if (profile == IdleProfile.ECO)
                {
                    // Pause between calls so the instance falls asleep each time: wake-up latency.
                    final long[] wake = new long[200];
                    for (int i = 0; i < wake.length; i++)
                    {
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
                        final long t0 = System.nanoTime();
                        c.call(req, 0, len, reply);
                        wake[i] = System.nanoTime() - t0;
                    }
                    Arrays.sort(wake);
                    System.out.printf(Locale.ROOT, "eco   call after 20 ms idle (both asleep): p50 %.1f us  p99 %.1f us%n",
                        wake[100] / 1e3, wake[198] / 1e3);
                }
            }
            if (profile == IdleProfile.ECO)
            {
                final long before = ticks(child.pid());
                final long t0 = System.nanoTime();
                child.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
                final long used = ticks(child.pid()) - before;
                final double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf(Locale.ROOT, "eco   idle instance CPU over %.1f s: %.2f %% of one core (%d ticks)%n",
                    seconds, used / 100.0 / seconds * 100, used);
            }
            child.destroy();
            child.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static Process startChild(final Path home, final Path cellDir, final IdleProfile profile)
        throws Exception
    {
        final java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : System.getProperty("child.jvm.flags", "").trim().split("\\s+"))
        {
            if (!flag.isEmpty())
            {
                cmd.add(flag);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(EchoServerMain.class.getName());
        cmd.add(home.toString());
        cmd.add(cellDir.toString());
        cmd.add(profile.name());
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        final long deadlineNs = System.nanoTime() + 30_000_000_000L;
        while (dev.cell.runtime.discovery.InstanceRegistry.live(home, EchoCell.NAME).isEmpty())
        {
            if (System.nanoTime() > deadlineNs || !p.isAlive())
            {
                throw new IllegalStateException("child did not start");
            }
            Thread.sleep(20);
        }
        return p;
    }

    private static long ticks(final long pid) throws Exception
    {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
