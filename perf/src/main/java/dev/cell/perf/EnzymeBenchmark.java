package dev.cell.perf;

import dev.cell.enzyme.Backend;
import dev.cell.enzyme.CudaError;
import dev.cell.enzyme.DeviceBuffer;
import dev.cell.enzyme.DeviceInfo;
import dev.cell.enzyme.Enzyme;
import dev.cell.enzyme.EnzymeOptions;
import dev.cell.enzyme.Event;
import dev.cell.enzyme.HostBuffer;
import dev.cell.enzyme.Kernel;
import dev.cell.enzyme.KernelArgs;
import dev.cell.enzyme.KernelModule;
import dev.cell.enzyme.Stream;
import dev.cell.enzyme.kernels.VectorKernels;
import dev.cell.examples.vectors.Embeddings;
import dev.cell.examples.vectors.Search;
import dev.cell.examples.vectors.VectorsBinding;
import dev.cell.examples.vectors.VectorsClient;
import dev.cell.perf.suite.ComparisonSuite;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * {@code ./cell perf enzymes}: the vector kernel on the GPU (where there is one) and on the CPU fallback, side by
 * side in one run.
 * <ul>
 *   <li><b>kernel</b>: {@code cosine_scores} over a float32 matrix, batches of 8 and 64 queries; GB/s of matrix read
 *       (rows x dim x 4 bytes per pass of 8 queries), queries/s, and the GPU's fraction of its memory-bandwidth peak
 *       (from the driver's memory clock and bus width). GPU times come from CUDA events around the launches, CPU
 *       times from the clock. The CPU row is the fallback as shipped: one thread.</li>
 *   <li><b>call</b>: the {@code vectors} cell served in a child JVM with {@code CELL_ENZYME_BACKEND} set, called through
 *       its generated client over a junction: a batch of 8 queries, k = 10, against 100,000 vectors of 64 floats;
 *       p50/p99 of the round trip, client to cell to kernel and back.</li>
 * </ul>
 * Options: {@code --gpu-rows N} (default 4,000,000), {@code --cpu-rows N} (200,000), {@code --dim N} (128),
 * {@code --launches N} (per figure, default 50), {@code --calls N} (2,000), {@code --json file}.
 */
public final class EnzymeBenchmark
{
    private static final Pattern CALL = Pattern.compile("^CALL p50Us=(\\d+) p99Us=(\\d+) maxUs=(\\d+) device=(.*)$");

    private EnzymeBenchmark()
    {
    }

    /**
     * @param args see the class comment.
     * @throws Exception when a measurement fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> o = options(args);
        if (o.containsKey("call-child"))
        {
            callChild(Integer.parseInt(o.getOrDefault("calls", "2000")));
            return;
        }
        final int dim = Integer.parseInt(o.getOrDefault("dim", "128"));
        final int launches = Integer.parseInt(o.getOrDefault("launches", "50"));
        final int calls = Integer.parseInt(o.getOrDefault("calls", "2000"));
        final String machine = Runtime.getRuntime().availableProcessors() + " cpus, " + ComparisonSuite.cpuModel() +
            ", " + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", JDK " +
            Runtime.version();
        final List<Map<String, Object>> rows = new ArrayList<>();
        String gpu = "";
        for (final String backend : List.of("cuda", "cpu"))
        {
            final Enzyme enzyme;
            try
            {
                enzyme = Enzyme.open(EnzymeOptions.defaults().withBackend(backend));
            }
            catch (final CudaError ex)
            {
                System.out.println("no GPU: " + ex.getMessage());
                continue;
            }
            try (enzyme)
            {
                final DeviceInfo device = enzyme.device();
                System.out.println(backend + ": " + device.describe());
                if (device.backend() == Backend.CUDA)
                {
                    gpu = device.name();
                }
                final int n = Integer.parseInt(o.getOrDefault(backend.equals("cuda") ? "gpu-rows" : "cpu-rows",
                    backend.equals("cuda") ? "4000000" : "200000"));
                for (final int batch : new int[] {8, 64})
                {
                    rows.add(kernel(enzyme, n, dim, batch, launches));
                }
            }
            rows.add(call(backend, calls));
        }
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", "enzymes");
        json.put("date", LocalDate.now(ZoneOffset.UTC).toString());
        json.put("machine", machine);
        json.put("gpu", gpu.isEmpty() ? "none" : gpu);
        json.put("loadAverage", ComparisonSuite.loadAverage());
        json.put("rows", rows);
        print(rows);
        final Path out = o.containsKey("json") ? Path.of(o.get("json")) : Path.of("perf", "results",
            ComparisonSuite.resultsBaseName(LocalDate.now(ZoneOffset.UTC), Runtime.getRuntime().availableProcessors(),
                ComparisonSuite.cpuModel()) + (gpu.isEmpty() ? "" : "-" + slug(gpu)) + "-enzymes.json");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, ComparisonSuite.prettyJson(json));
        System.out.println("written to " + out);
    }

    private static Map<String, Object> kernel(final Enzyme enzyme, final int rows, final int dim, final int batch,
        final int launches) throws CudaError
    {
        final long matrixBytes = 4L * rows * dim;
        try (KernelModule module = enzyme.load(VectorKernels.module());
            DeviceBuffer matrix = enzyme.alloc(matrixBytes);
            DeviceBuffer queries = enzyme.alloc(4L * batch * dim);
            DeviceBuffer scores = enzyme.alloc(4L * batch * rows);
            Stream stream = enzyme.stream();
            Event start = enzyme.event();
            Event end = enzyme.event())
        {
            fill(enzyme, stream, matrix, matrixBytes, 1);
            fill(enzyme, stream, queries, 4L * batch * dim, 2);
            final Kernel kernel = module.kernel(VectorKernels.COSINE_SCORES);
            final KernelArgs args = new KernelArgs(6);
            final int warmup = enzyme.device().backend() == Backend.CPU ? Math.max(3, launches / 5) : 5;
            for (int i = 0; i < warmup; i++)
            {
                VectorKernels.cosineScores(stream, kernel, args, matrix, queries, scores, rows, dim, batch);
            }
            stream.sync();
            final int times = enzyme.device().backend() == Backend.CPU ? Math.max(3, launches / 5) : launches;
            final long t0 = System.nanoTime();
            stream.record(start);
            for (int i = 0; i < times; i++)
            {
                VectorKernels.cosineScores(stream, kernel, args, matrix, queries, scores, rows, dim, batch);
            }
            stream.record(end);
            end.sync();
            final double ms = (enzyme.device().backend() == Backend.CUDA ? end.millisSince(start) :
                (System.nanoTime() - t0) / 1e6) / times;
            final int passes = (batch + VectorKernels.QUERIES_PER_BLOCK - 1) / VectorKernels.QUERIES_PER_BLOCK;
            final double gbs = matrixBytes * passes / (ms / 1e3) / 1e9;
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", "kernel-" + enzyme.device().backend().name().toLowerCase(Locale.ROOT) + "-batch" + batch);
            row.put("backend", enzyme.device().backend().name());
            row.put("device", enzyme.device().describe());
            row.put("rows", rows);
            row.put("dim", dim);
            row.put("queries", batch);
            row.put("launches", times);
            row.put("msPerLaunch", round(ms, 4));
            row.put("gbPerSec", round(gbs, 1));
            row.put("queriesPerSec", Math.round(batch / (ms / 1e3)));
            if (enzyme.device().peakBandwidth() > 0)
            {
                row.put("peakGbPerSec", round(enzyme.device().peakBandwidth() / 1e9, 0));
                row.put("fractionOfPeak", round(gbs * 1e9 / enzyme.device().peakBandwidth(), 3));
            }
            return row;
        }
    }

    private static void fill(final Enzyme enzyme, final Stream stream, final DeviceBuffer to, final long bytes,
        final long seed) throws CudaError
    {
        final long chunk = Math.min(bytes, 64L << 20);
        try (HostBuffer staging = enzyme.pinned(chunk))
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final MemorySegment s = staging.segment();
            for (long i = 0; i < chunk / 4; i++)
            {
                s.setAtIndex(JAVA_FLOAT, i, (float)(random.nextDouble() - 0.5));
            }
            for (long at = 0; at < bytes; at += chunk)
            {
                stream.copyIn(staging, 0, to, at, Math.min(chunk, bytes - at));
            }
            stream.sync();
        }
    }

    private static Map<String, Object> call(final String backend, final int calls) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EnzymeBenchmark.class.getName(),
            "--call-child", "true", "--calls", String.valueOf(calls)));
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put(EnzymeOptions.BACKEND_ENV, backend);
        pb.environment().put(EnzymeOptions.REASON_ENV, "the benchmark's " + backend + " row");
        final Process child = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
            StandardCharsets.UTF_8)))
        {
            String line;
            Matcher found = null;
            while ((line = out.readLine()) != null)
            {
                final Matcher m = CALL.matcher(line);
                if (m.matches())
                {
                    found = m;
                }
                else
                {
                    System.out.println("  call " + backend + ": " + line);
                }
            }
            if (!child.waitFor(10, TimeUnit.MINUTES) || child.exitValue() != 0 || found == null)
            {
                throw new IllegalStateException("the call measurement on " + backend + " failed");
            }
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", "call-" + backend);
            row.put("backend", backend.toUpperCase(Locale.ROOT));
            row.put("device", found.group(4));
            row.put("rows", 100_000);
            row.put("dim", 64);
            row.put("queries", 8);
            row.put("k", 10);
            row.put("calls", calls);
            row.put("p50Us", Long.parseLong(found.group(1)));
            row.put("p99Us", Long.parseLong(found.group(2)));
            row.put("maxUs", Long.parseLong(found.group(3)));
            return row;
        }
        finally
        {
            child.destroyForcibly();
        }
    }

    private static void callChild(final int calls) throws Exception
    {
        final Path home = Files.createTempDirectory("cell-enzyme-bench-");
        try (CellServer server = CellServer.start(new VectorsBinding(), Files.createDirectories(home.resolve("v")),
            ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO));
            VectorsClient client = VectorsClient.connect(ClientOptions.defaults().withCellHome(home)
                .withClientName("enzyme-bench")))
        {
            final SplittableRandom random = new SplittableRandom(3);
            for (int at = 0; at < 100_000; at += 400)
            {
                client.add(new Embeddings(64, vectors(random, 400, 64)));
            }
            final Search search = new Search(10, vectors(random, 8, 64));
            final Histogram histogram = new Histogram(3);
            for (int i = 0; i < calls + calls / 4; i++)
            {
                final long t0 = System.nanoTime();
                client.search(search);
                if (i >= calls / 4)
                {
                    histogram.recordValue((System.nanoTime() - t0) / 1000);
                }
            }
            System.out.println("CALL p50Us=" + histogram.getValueAtPercentile(50) + " p99Us=" +
                histogram.getValueAtPercentile(99) + " maxUs=" + histogram.getMaxValue() + " device=" +
                client.info().device());
        }
    }

    private static byte[] vectors(final SplittableRandom random, final int n, final int dim)
    {
        final ByteBuffer b = ByteBuffer.allocate(4 * n * dim).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n * dim; i++)
        {
            b.putFloat((float)random.nextGaussian());
        }
        return b.array();
    }

    private static void print(final List<Map<String, Object>> rows)
    {
        System.out.printf(Locale.ROOT, "%-22s %10s %8s %12s %10s %10s %8s %8s%n", "id", "rows", "ms", "GB/s",
            "queries/s", "of peak", "p50 us", "p99 us");
        for (final Map<String, Object> r : rows)
        {
            System.out.printf(Locale.ROOT, "%-22s %10s %8s %12s %10s %10s %8s %8s%n", r.get("id"), r.get("rows"),
                r.getOrDefault("msPerLaunch", "-"), r.getOrDefault("gbPerSec", "-"), r.getOrDefault("queriesPerSec",
                "-"), r.getOrDefault("fractionOfPeak", "-"), r.getOrDefault("p50Us", "-"), r.getOrDefault("p99Us",
                "-"));
        }
    }

    private static Map<String, String> options(final String[] args)
    {
        final Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2)
        {
            if (!args[i].startsWith("--") || i + 1 >= args.length)
            {
                throw new IllegalArgumentException("options are --name value pairs: --gpu-rows, --cpu-rows, --dim, " +
                    "--launches, --calls, --json");
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        return o;
    }

    private static double round(final double v, final int places)
    {
        final double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static String slug(final String name)
    {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
    }
}
