package dev.cell.tissue.launch;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command's view of this host's instances: live ones through the runtime's registry (which drops stale
 * entries of dead instances as a side effect), the cells {@code cell mitosis} started (so {@code cell logs} finds a
 * stopped cell's folder), and stopping instances by pid.
 *
 * @param cellHome the cell home ({@code cell.home} property, {@code CELL_HOME}, or {@code ~/.cell}).
 * @since 0.1
 */
public record Instances(Path cellHome)
{
    /**
     * How long a stop waits after SIGTERM before it kills.
     */
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /**
     * A live instance.
     *
     * @param cell         the cell's name.
     * @param instanceId   the instance's id.
     * @param pid          its process id.
     * @param startEpochMs when it started.
     * @param cellDir      the cell's folder (logs under {@code .cell/log/}).
     * @param fingerprint  its genome fingerprint (hex).
     * @param latency      its idle profile ({@code eco}, {@code spin}).
     * @param calls        calls served so far, -1 when unknown.
     * @param runDir       its run folder (its {@code instance.dat} is there).
     */
    public record Instance(String cell, String instanceId, long pid, long startEpochMs, Path cellDir,
        String fingerprint, String latency, long calls, Path runDir)
    {
        /**
         * @return its last heartbeat (epoch ms, written every ~100 ms by its duty cycle), 0 before its first one,
         * -1 when its {@code instance.dat} cannot be read.
         */
        public long heartbeatEpochMs()
        {
            return Instances.heartbeatEpochMs(runDir);
        }

        /**
         * @return how long it has been running.
         */
        public Duration uptime()
        {
            return Duration.between(Instant.ofEpochMilli(startEpochMs), Instant.now());
        }

        /**
         * @return its log file.
         */
        public Path logFile()
        {
            return logDir(cellDir).resolve(instanceId + ".log");
        }
    }

    /**
     * How one instance stopped.
     *
     * @param instance the instance.
     * @param killed   true when it ignored SIGTERM for {@link #STOP_GRACE} and was killed.
     */
    public record Stopped(Instance instance, boolean killed)
    {
    }

    /**
     * @param cellDir a cell's folder.
     * @return where its instances write their JSON-lines logs.
     */
    public static Path logDir(final Path cellDir)
    {
        return cellDir.resolve(".cell").resolve("log");
    }

    /**
     * @return every live instance on this host, sorted by cell then instance id.
     */
    public List<Instance> live()
    {
        return convert(InstanceRegistry.live(cellHome));
    }

    /**
     * @param cell a cell's name.
     * @return its live instances, sorted by instance id.
     */
    public List<Instance> live(final String cell)
    {
        return convert(InstanceRegistry.live(cellHome, cell));
    }

    /**
     * Remember that {@code cell mitosis} started a cell from a folder: {@code $CELL_HOME/cells/<name>.json}.
     *
     * @param cell    the cell's name.
     * @param cellDir its folder.
     */
    public void recordCell(final String cell, final Path cellDir)
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", cell);
        json.put("cellDir", cellDir.toAbsolutePath().normalize().toString());
        final Path file = cellsDir().resolve(cell + ".json");
        try
        {
            PrivateFiles.write(file, Json.write(json) + "\n");
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write " + file, ex);
        }
    }

    /**
     * @param cell a cell's name.
     * @return the folder {@code cell mitosis} last started it from, if it did.
     */
    public Optional<Path> recordedCellDir(final String cell)
    {
        final Path file = cellsDir().resolve(cell + ".json");
        if (!Files.isRegularFile(file))
        {
            return Optional.empty();
        }
        try
        {
            final Object dir = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8)).get("cellDir");
            return dir instanceof String s ? Optional.of(Path.of(s)) : Optional.empty();
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new UserError("cannot read " + file + " (" + ex.getMessage() + "); delete it and start the cell " +
                "again with `cell mitosis`", ex);
        }
    }

    /**
     * Stop instances: SIGTERM to all, wait up to {@link #STOP_GRACE}, then SIGKILL to those still running.
     *
     * @param instances the instances.
     * @return how each stopped.
     */
    public static List<Stopped> stop(final List<Instance> instances)
    {
        final List<ProcessHandle> handles = new ArrayList<>();
        for (final Instance i : instances)
        {
            final ProcessHandle h = ProcessHandle.of(i.pid()).orElse(null);
            handles.add(h);
            if (h != null)
            {
                h.destroy();
            }
        }
        final long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        final List<Stopped> result = new ArrayList<>();
        for (int k = 0; k < instances.size(); k++)
        {
            final ProcessHandle h = handles.get(k);
            boolean killed = false;
            if (h != null && !awaitExit(h.onExit(), deadline))
            {
                h.destroyForcibly();
                awaitExit(h.onExit(), System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
                killed = true;
            }
            result.add(new Stopped(instances.get(k), killed));
        }
        return result;
    }

    private static boolean awaitExit(final CompletableFuture<ProcessHandle> exit, final long deadlineNanos)
    {
        try
        {
            exit.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            return true;
        }
    }

    /**
     * @param runDir an instance's run folder.
     * @return the heartbeat in its {@code instance.dat} (epoch ms), 0 before the first one, -1 when unreadable.
     */
    public static long heartbeatEpochMs(final Path runDir)
    {
        if (runDir == null)
        {
            return -1;
        }
        try (InstanceFile file = InstanceFile.open(runDir.resolve(InstanceFile.FILE_NAME)))
        {
            return file.heartbeatEpochMs();
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    private Path cellsDir()
    {
        return cellHome.resolve("cells");
    }

    private static List<Instance> convert(final List<InstanceRecord> records)
    {
        final List<Instance> out = new ArrayList<>();
        for (final InstanceRecord r : records)
        {
            long calls;
            try
            {
                calls = InstanceRegistry.calls(r);
            }
            catch (final RuntimeException | LinkageError ex)
            {
                calls = -1;
            }
            out.add(new Instance(r.cell(), r.instanceId(), r.pid(), r.startEpochMs(), r.cellDir(), r.fingerprint(),
                r.latency(), calls, r.runDir()));
        }
        out.sort(java.util.Comparator.comparing(Instance::cell).thenComparing(Instance::instanceId));
        return List.copyOf(out);
    }
}
