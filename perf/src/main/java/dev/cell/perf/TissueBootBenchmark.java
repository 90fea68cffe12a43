package dev.cell.perf;

import dev.cell.tissue.build.ArtifactStore;
import dev.cell.tissue.config.TissueConfig;
import dev.cell.tissue.launch.Instances;
import dev.cell.tissue.launch.JvmCommand;
import dev.cell.tissue.supervise.Mitosis;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * How long {@code cell mitosis} takes from its start to every instance of a 10-instance tissue ready (registered
 * and answering a handshake), the cells already built; and what one idle instance costs (CPU over 10 s, resident
 * memory). Three configurations in the same run, interleaved per round: the first start of a cell (no class-data
 * archive yet, so its first replica records one), starts with that archive, and starts with class-data sharing off.
 * <pre>
 * java -cp "perf/target/classes:perf/target/lib/*" dev.cell.perf.TissueBootBenchmark [--rounds 5] [--replicas 10]
 * </pre>
 * (it runs itself again with {@code dev.cell.runtime.JvmFlags} when started without them)
 * <pre>
 * </pre>
 * The tissue is the {@code echo} cell of this module with {@code replicas = 10}, run from its jar (as
 * {@code cell mitosis} runs built cells) under a temporary cell home.
 */
public final class TissueBootBenchmark
{
    private TissueBootBenchmark()
    {
    }

    /**
     * @param args {@code --rounds N}, {@code --replicas N}.
     * @throws Exception when the tissue cannot be set up.
     */
    public static void main(final String[] args) throws Exception
    {
        if (!java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
            .containsAll(dev.cell.runtime.JvmFlags.FLAGS))
        {
            // Run again with the project's JVM flags (what the cell command's JVM has), so timings compare.
            System.exit(JvmCommand.java().ownClassPath().main(TissueBootBenchmark.class.getName(), args)
                .processBuilder().inheritIO().start().waitFor());
        }
        int rounds = 5;
        int replicas = 10;
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            switch (args[i])
            {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--replicas" -> replicas = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        final Path work = Files.createTempDirectory("tissue-boot-");
        final Path cellHome = work.resolve("cell-home");
        System.setProperty("cell.home", cellHome.toString());
        final Path tissue = tissue(work, replicas);
        final Path archive = tissue.resolve("echo/.cell/cds/echo.jsa");
        final PrintWriter quiet = new PrintWriter(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        final Mitosis.Options options = Mitosis.Options.of(tissue).withBuild(false).withAttached(false)
            .withCellHome(cellHome).withReadyTimeout(Duration.ofSeconds(60));

        System.out.printf(Locale.ROOT, "tissue: echo x %d instances, %d rounds, %d CPUs, JDK %s%n", replicas, rounds,
            Runtime.getRuntime().availableProcessors(), Runtime.version());
        final List<Double> first = new ArrayList<>();
        final List<Double> cds = new ArrayList<>();
        final List<Double> noCds = new ArrayList<>();
        double idleCpu = -1;
        long rss = -1;
        long rssMean = -1;
        for (int r = 0; r < rounds; r++)
        {
            Files.deleteIfExists(archive);
            first.add(boot(options, quiet, null));
            if (!Files.isRegularFile(archive))
            {
                System.out.println("note: no class-data archive was written by the first start");
            }
            System.setProperty("cell.cds", "false");
            noCds.add(boot(options, quiet, null));
            System.clearProperty("cell.cds");
            final long[] idle = new long[3];
            cds.add(boot(options, quiet, r == rounds - 1 ? idle : null));
            if (r == rounds - 1)
            {
                idleCpu = idle[0] / 1000.0;
                rss = idle[1];
                rssMean = idle[2];
            }
            System.out.printf(Locale.ROOT, "round %d: first start %.0f ms, with CDS archive %.0f ms, CDS off %.0f ms%n",
                r + 1, first.getLast(), cds.getLast(), noCds.getLast());
        }
        System.out.printf(Locale.ROOT, "%nmitosis (built) -> all %d instances ready, median of %d rounds:%n", replicas,
            rounds);
        System.out.printf(Locale.ROOT, "  with CDS archive       %6.0f ms%n", median(cds));
        System.out.printf(Locale.ROOT, "  first start (records)  %6.0f ms%n", median(first));
        System.out.printf(Locale.ROOT, "  CDS off                %6.0f ms   (with archive / off: %.2f)%n", median(noCds),
            median(cds) / median(noCds));
        System.out.printf(Locale.ROOT, "one idle instance (eco): %.2f %% of one core over 10 s, RSS %d MiB " +
            "(mean over the %d instances %d MiB)%n", idleCpu, rss >> 20, replicas, rssMean >> 20);
    }

    private static double boot(final Mitosis.Options options, final PrintWriter out, final long[] idle)
        throws Exception
    {
        final long t0 = System.nanoTime();
        try (Mitosis.Running running = Mitosis.start(options, out))
        {
            final double ms = (System.nanoTime() - t0) / 1e6;
            if (idle != null)
            {
                final List<Instances.Instance> all = running.instances();
                Thread.sleep(3_000); // let start-up work (JIT, GC) finish before measuring an idle instance
                final long pid = all.getFirst().pid();
                final long before = cpuTicks(pid);
                final long start = System.nanoTime();
                Thread.sleep(10_000);
                final long ticks = cpuTicks(pid) - before;
                final double seconds = (System.nanoTime() - start) / 1e9;
                idle[0] = Math.round(ticks / 100.0 / seconds * 100 * 1000); // CLK_TCK = 100: thousandths of %
                idle[1] = rss(pid);
                long sum = 0;
                for (final Instances.Instance i : all)
                {
                    sum += rss(i.pid());
                }
                idle[2] = sum / all.size();
            }
            return ms;
        }
    }

    private static Path tissue(final Path work, final int replicas) throws IOException
    {
        final Path perfTarget = Path.of(TissueBootBenchmark.class.getProtectionDomain().getCodeSource().getLocation()
            .getPath()).getParent();
        final Path jar;
        try (Stream<Path> files = Files.list(perfTarget))
        {
            jar = files.filter(p -> p.getFileName().toString().matches("cell-perf-.*\\.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no cell-perf jar in " + perfTarget + "; run " +
                    "mvn -o install -DskipTests (or ./cell test) first"));
        }
        final List<String> libs = new ArrayList<>();
        try (Stream<Path> files = Files.list(perfTarget.resolve("lib")))
        {
            files.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> libs.add(p.toString()));
        }
        final Path tissue = work.resolve("tissue");
        final Path echo = tissue.resolve("echo");
        Files.createDirectories(echo.resolve("target"));
        Files.writeString(tissue.resolve("cell.toml"), "[cells]\necho = { path = \"echo\", replicas = " + replicas +
            " }\n");
        Files.writeString(echo.resolve("cell.toml"), "[cell]\nname = \"echo\"\n");
        Files.copy(jar, echo.resolve("target/echo.jar"));
        Files.writeString(echo.resolve("target/cell.classpath"), String.join(File.pathSeparator, libs));
        final TissueConfig.CellSpec spec = TissueConfig.loadCell(echo);
        new ArtifactStore(work.resolve("cell-home")).store(spec);
        return tissue;
    }

    private static long cpuTicks(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static long rss(final long pid) throws IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    private static double median(final List<Double> values)
    {
        final double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
