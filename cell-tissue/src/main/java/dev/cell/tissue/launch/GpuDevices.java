package dev.cell.tissue.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The GPUs this host can hand to instances, found once when a supervisor starts.
 * <p>
 * In order: {@code CELL_GPUS} when set ({@code none}, or device indices such as {@code 0,2}: which devices Cell may
 * hand out, e.g. to keep one for something else); else {@code nvidia-smi --query-gpu} (index, UUID, name, memory);
 * else the NVIDIA driver's {@code /proc/driver/nvidia/gpus/}*{@code /information} files; else none. Devices are
 * named by the index {@code CUDA_VISIBLE_DEVICES} takes.
 *
 * @since 0.1
 */
public final class GpuDevices
{
    /**
     * The environment variable that overrides discovery.
     */
    public static final String ENV = "CELL_GPUS";

    private static final Path PROC = Path.of("/proc/driver/nvidia/gpus");

    /**
     * One device.
     *
     * @param index     its index for {@code CUDA_VISIBLE_DEVICES}.
     * @param name      its model, or what named it.
     * @param memoryMiB its memory, 0 when unknown.
     */
    public record Gpu(int index, String name, long memoryMiB)
    {
        /**
         * @return e.g. {@code 0 (NVIDIA H200, 140 GiB)}.
         */
        public String describe()
        {
            return index + " (" + name + (memoryMiB > 0 ? ", " + memoryMiB / 1024 + " GiB" : "") + ")";
        }
    }

    /**
     * What was found and how.
     *
     * @param gpus   the devices, by index.
     * @param source how they were found, for messages.
     */
    public record Found(List<Gpu> gpus, String source)
    {
    }

    private GpuDevices()
    {
    }

    /**
     * @param env this process's environment.
     * @return the host's devices.
     * @throws IllegalArgumentException when {@code CELL_GPUS} is malformed.
     */
    public static Found discover(final Map<String, String> env)
    {
        final String override = env.get(ENV);
        if (override != null)
        {
            return new Found(fromOverride(override), ENV + "=" + override);
        }
        final String smi = nvidiaSmi("--query-gpu=index,name,memory.total");
        if (smi != null)
        {
            return new Found(parseSmi(smi), "nvidia-smi");
        }
        final List<Gpu> proc = fromProc(PROC);
        return proc.isEmpty() ? new Found(List.of(), "no nvidia-smi and no " + PROC) : new Found(proc, PROC.toString());
    }

    /**
     * @param value {@code none}, empty, or comma-separated device indices.
     * @return those devices.
     * @throws IllegalArgumentException for anything else.
     */
    public static List<Gpu> fromOverride(final String value)
    {
        final String v = value.trim();
        if (v.isEmpty() || v.equalsIgnoreCase("none"))
        {
            return List.of();
        }
        final List<Gpu> gpus = new ArrayList<>();
        for (final String part : v.split(","))
        {
            final int index;
            try
            {
                index = Integer.parseInt(part.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(ENV + " is \"none\" or device indices such as 0,1, not '" + value +
                    "'");
            }
            if (index < 0 || gpus.stream().anyMatch(g -> g.index() == index))
            {
                throw new IllegalArgumentException(ENV + " names device " + index + " twice or below 0: '" + value +
                    "'");
            }
            gpus.add(new Gpu(index, ENV, 0));
        }
        return List.copyOf(gpus);
    }

    /**
     * @param csv what {@code nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits} prints.
     * @return its devices; lines that do not parse are skipped.
     */
    public static List<Gpu> parseSmi(final String csv)
    {
        final List<Gpu> gpus = new ArrayList<>();
        for (final String line : csv.split("\n"))
        {
            final String[] f = line.split(",");
            if (f.length < 3)
            {
                continue;
            }
            try
            {
                gpus.add(new Gpu(Integer.parseInt(f[0].trim()), f[1].trim(), Long.parseLong(f[f.length - 1].trim())));
            }
            catch (final NumberFormatException ex)
            {
                // a line such as "[N/A]" or an error message: not a device
            }
        }
        gpus.sort(Comparator.comparingInt(Gpu::index));
        return List.copyOf(gpus);
    }

    /**
     * @param dir the driver's {@code gpus} folder (one sub-folder per device, each with an {@code information} file
     *            that has {@code Model:} and {@code Device Minor:} lines).
     * @return its devices, ordered by bus id as the driver's default enumeration is; none when the folder is absent.
     */
    public static List<Gpu> fromProc(final Path dir)
    {
        if (!Files.isDirectory(dir))
        {
            return List.of();
        }
        final List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir))
        {
            s.filter(p -> Files.isRegularFile(p.resolve("information"))).forEach(p ->
            {
                try
                {
                    names.add(p.getFileName() + "\t" + model(Files.readString(p.resolve("information"))));
                }
                catch (final IOException ex)
                {
                    names.add(p.getFileName() + "\tunreadable (" + ex.getMessage() + ")");
                }
            });
        }
        catch (final IOException ex)
        {
            return List.of();
        }
        names.sort(Comparator.naturalOrder());
        final List<Gpu> gpus = new ArrayList<>();
        for (int i = 0; i < names.size(); i++)
        {
            gpus.add(new Gpu(i, names.get(i).substring(names.get(i).indexOf('\t') + 1), 0));
        }
        return List.copyOf(gpus);
    }

    private static String model(final String information)
    {
        for (final String line : information.split("\n"))
        {
            if (line.toLowerCase(Locale.ROOT).startsWith("model:"))
            {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "NVIDIA GPU";
    }

    /**
     * What a device is doing now.
     *
     * @param index          its index.
     * @param usedMiB        memory in use.
     * @param totalMiB       its memory.
     * @param utilPercent    the share of the last sample period a kernel ran.
     */
    public record Usage(int index, long usedMiB, long totalMiB, int utilPercent)
    {
        /**
         * @return e.g. {@code 12.5 of 140 GiB used, 37 % busy}.
         */
        public String describe()
        {
            return String.format(Locale.ROOT, "%.1f of %d GiB used, %d %% busy", usedMiB / 1024.0, totalMiB / 1024,
                utilPercent);
        }
    }

    /**
     * @return each device's memory use and utilisation from {@code nvidia-smi}, empty when it cannot be run.
     */
    public static Map<Integer, Usage> usage()
    {
        final String csv = nvidiaSmi("--query-gpu=index,memory.used,memory.total,utilization.gpu");
        return csv == null ? Map.of() : parseUsage(csv);
    }

    /**
     * @param csv what {@code nvidia-smi --query-gpu=index,memory.used,memory.total,utilization.gpu
     *            --format=csv,noheader,nounits} prints.
     * @return by device index; lines that do not parse (e.g. {@code [N/A]}) are skipped.
     */
    public static Map<Integer, Usage> parseUsage(final String csv)
    {
        final Map<Integer, Usage> usage = new java.util.TreeMap<>();
        for (final String line : csv.split("\n"))
        {
            final String[] f = line.split(",");
            if (f.length != 4)
            {
                continue;
            }
            try
            {
                final int index = Integer.parseInt(f[0].trim());
                usage.put(index, new Usage(index, Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim()),
                    Integer.parseInt(f[3].trim())));
            }
            catch (final NumberFormatException ex)
            {
                // "[N/A]" on a device that does not report it
            }
        }
        return Map.copyOf(usage);
    }

    /**
     * @param query the {@code --query-gpu=} argument.
     * @return what {@code nvidia-smi} prints for it as CSV without header or units, or null when it cannot be run,
     * fails, or takes more than 10 s.
     */
    private static String nvidiaSmi(final String query)
    {
        Path out = null;
        try
        {
            out = Files.createTempFile("cell-nvidia-smi", ".csv");
            final Process p = new ProcessBuilder("nvidia-smi", query, "--format=csv,noheader,nounits").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).start();
            if (!p.waitFor(10, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? Files.readString(out, StandardCharsets.UTF_8) : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        finally
        {
            if (out != null)
            {
                try
                {
                    Files.deleteIfExists(out);
                }
                catch (final IOException ignored)
                {
                    // a temporary file
                }
            }
        }
    }
}
