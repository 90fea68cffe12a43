package dev.cell.examples.kv;

import dev.cell.runtime.JvmFlags;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Three kv replicas, each in its own JVM started through {@code CellMain} as {@code cell mitosis} would, each
 * registered in its own cell home so a client can choose the replica it talks to. Test support: every process is
 * killed in {@link #close()}.
 */
final class KvCluster implements AutoCloseable
{
    static final int REPLICAS = 3;

    final Path root;
    final Path cellDir;
    private final List<String> extraProperties;
    private final IntFunction<List<String>> prefix;
    private final Process[] processes = new Process[REPLICAS];
    private final boolean[] paused = new boolean[REPLICAS];
    private int launches;

    KvCluster(final String name, final List<String> extraProperties) throws IOException
    {
        this(name, extraProperties, slot -> List.of());
    }

    /**
     * @param name            part of the folder's name.
     * @param extraProperties JVM options for every replica.
     * @param prefix          slot → what its command runs under (e.g. {@code ip netns exec <host>}), or nothing.
     */
    KvCluster(final String name, final List<String> extraProperties, final IntFunction<List<String>> prefix)
        throws IOException
    {
        this.prefix = prefix;
        this.root = Path.of(System.getProperty("cell.test.tmp", System.getProperty("java.io.tmpdir")))
            .resolve("kvfault-" + name + "-" + System.nanoTime());
        this.cellDir = root.resolve("kv");
        this.extraProperties = extraProperties;
        Files.createDirectories(cellDir);
        Files.writeString(cellDir.resolve("cell.toml"), "[cell]\nname = \"kv\"\n[state]\nreplicas = 3\n");
    }

    Path home(final int slot)
    {
        return root.resolve("home-" + slot);
    }

    Path replicaDir(final int slot)
    {
        return cellDir.resolve(".cell").resolve("replicas").resolve(Integer.toString(slot));
    }

    ClientOptions clientOptions(final int slot)
    {
        return ClientOptions.defaults().withCellHome(home(slot)).withClientName("kv-fault-test")
            .withConnectTimeout(Duration.ofSeconds(2)).withCallTimeout(Duration.ofSeconds(4));
    }

    void startAll()
    {
        for (int i = 0; i < REPLICAS; i++)
        {
            start(i);
        }
        for (int i = 0; i < REPLICAS; i++)
        {
            awaitRegistered(i);
        }
    }

    void start(final int slot)
    {
        final List<String> command = new ArrayList<>(prefix.apply(slot));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JvmFlags.FLAGS);
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Dcell.replica.slot=" + slot);
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.addAll(extraProperties);
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add("dev.cell.runtime.service.CellMain");
        command.add("--cell-dir");
        command.add(cellDir.toString());
        command.add("--cell");
        command.add("kv");
        command.add("--instance");
        command.add("kv-r" + slot);
        final ProcessBuilder pb = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(root.resolve("replica-" + slot + "-" + (launches++) + ".out").toFile());
        pb.environment().put("CELL_HOME", home(slot).toString());
        try
        {
            processes[slot] = pb.start();
            paused[slot] = false;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot start replica " + slot + ": " + ex.getMessage(), ex);
        }
    }

    void awaitRegistered(final int slot)
    {
        final Process p = processes[slot];
        await("replica " + slot + " to register", Duration.ofSeconds(90), () ->
        {
            if (!p.isAlive())
            {
                throw new IllegalStateException("replica " + slot + " exited with " + p.exitValue() + "; see " +
                    root + "/replica-" + slot + "-*.out");
            }
            for (final InstanceRecord r : InstanceRegistry.live(home(slot), "kv"))
            {
                if (r.pid() == p.pid())
                {
                    return true;
                }
            }
            return false;
        });
    }

    long pid(final int slot)
    {
        return processes[slot] == null ? -1 : processes[slot].pid();
    }

    boolean alive(final int slot)
    {
        return processes[slot] != null && processes[slot].isAlive();
    }

    boolean serving(final int slot)
    {
        return alive(slot) && !paused[slot];
    }

    /**
     * @return the slot of a live, unpaused replica that believes itself the leader, or -1.
     */
    int leader()
    {
        for (int i = 0; i < REPLICAS; i++)
        {
            if (!serving(i))
            {
                continue;
            }
            try
            {
                final Path file = replicaDir(i).resolve("leader");
                if (Files.exists(file) && Files.readString(file).strip().equals("r" + i))
                {
                    return i;
                }
            }
            catch (final IOException ignore)
            {
                // Being replaced: look again.
            }
        }
        return -1;
    }

    int awaitLeader(final Duration timeout)
    {
        final int[] found = {-1};
        await("a leader", timeout, () -> (found[0] = leader()) >= 0);
        return found[0];
    }

    void kill9(final int slot) throws InterruptedException
    {
        final Process p = processes[slot];
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("replica " + slot + " survived SIGKILL for 30 s");
        }
    }

    void signal(final int slot, final String signal) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(processes[slot].pid()))
            .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
        {
            throw new IllegalStateException("kill -" + signal + " of replica " + slot + " failed");
        }
        paused[slot] = "STOP".equals(signal);
    }

    static void deleteTree(final Path root) throws IOException
    {
        if (!Files.exists(root))
        {
            return;
        }
        try (Stream<Path> s = Files.walk(root))
        {
            for (final Path p : s.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    static void await(final String what, final Duration timeout, final BooleanSupplier condition)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000L);
        }
    }

    @Override
    public void close()
    {
        for (int i = 0; i < REPLICAS; i++)
        {
            final Process p = processes[i];
            if (p != null && p.isAlive())
            {
                if (paused[i])
                {
                    try
                    {
                        signal(i, "CONT");
                    }
                    catch (final IOException | InterruptedException | RuntimeException ignore)
                    {
                        // Killed below anyway.
                    }
                }
                p.destroyForcibly();
                try
                {
                    p.waitFor(30, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
