package dev.cell.perf;

import dev.cell.compiler.CellProcessor;
import dev.cell.compiler.deps.GenomeResolver;
import dev.cell.runtime.JvmFlags;
import dev.cell.tissue.config.CellDeps;
import dev.cell.tissue.launch.JvmCommand;
import org.eclipse.jgit.api.Git;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * How long resolving a {@code @CellRemote} dependency adds to a consumer's build, per resolution path: a running
 * instance (genome request over a junction, from a child JVM as inside Maven), the producer's source folder
 * ({@code javac -proc:only}), a git tag (JGit clone of a {@code file://} repository, then the same), and offline from
 * {@code Cell.lock}. Two measurements per path, in interleaved rounds: the resolution alone, and a whole in-process
 * {@code javac} of a small consumer (one {@code @CellRemote} interface and a class using the generated client) so the
 * added time can be read against a complete compile. The producer is perf's own {@code echo} cell.
 * <p>
 * Run (after {@code mvn -B -q install -DskipTests}):
 * <pre>
 * java $(flags) -cp "perf/target/classes:perf/target/lib/*" dev.cell.perf.ResolutionBenchmark [rounds]
 * </pre>
 * where {@code $(flags)} are the JVM flags of {@code dev.cell.runtime.JvmFlags} (perf/README.md has the line).
 */
public final class ResolutionBenchmark
{
    private static final String[] MODES = {"offline (Cell.lock)", "running instance (child JVM)",
        "source folder (javac -proc:only)", "git tag (JGit clone + javac -proc:only)"};

    private ResolutionBenchmark()
    {
    }

    /**
     * @param args optional number of rounds (default 7).
     * @throws Exception when the set-up fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        System.setProperty("cell.compiler.fetch.child", "true");
        final Path work = Files.createTempDirectory("cell-resolution-bench-");
        final Path home = work.resolve("home");

        // The producer: perf's echo cell, as source, as a git tag, and as a running instance.
        final Path producer = work.resolve("echo-src");
        final Path pkg = Files.createDirectories(producer.resolve("src/main/java/dev/cell/perf"));
        Files.writeString(pkg.resolve("EchoCell.java"), """
            package dev.cell.perf;

            import dev.cell.runtime.Cell;

            @Cell("echo")
            public final class EchoCell
            {
                public Ping echo(final Ping ping)
                {
                    return ping;
                }
            }
            """);
        Files.writeString(pkg.resolve("Ping.java"), """
            package dev.cell.perf;

            public record Ping(long sequence, long timestamp)
            {
            }
            """);
        try (Git git = Git.init().setDirectory(producer.toFile()).call())
        {
            git.add().addFilepattern(".").call();
            git.commit().setMessage("echo").setAuthor("bench", "bench@localhost").setCommitter("bench",
                "bench@localhost").setSign(false).call();
            git.tag().setName("v1.0.0").setAnnotated(false).call();
        }
        final Path cellDir = Files.createDirectories(work.resolve("echo-run"));
        final ProcessBuilder pb = JvmCommand.java().ownClassPath()
            .main("dev.cell.runtime.service.CellMain", "--cell-dir", cellDir.toString(), "--cell", "echo")
            .processBuilder().redirectErrorStream(true)
            .redirectOutput(work.resolve("echo.out").toFile());
        pb.environment().put("CELL_HOME", home.toString());
        final Process instance = pb.start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (dev.cell.runtime.discovery.InstanceRegistry.live(home, "echo").isEmpty())
            {
                if (!instance.isAlive() || System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("the echo instance did not start: " +
                        Files.readString(work.resolve("echo.out")));
                }
                instance.waitFor(20, TimeUnit.MILLISECONDS);
            }

            final Path[] consumers = new Path[MODES.length];
            consumers[0] = consumer(work, "offline", "offline = true\n", "");
            consumers[1] = consumer(work, "running", "", "");
            consumers[2] = consumer(work, "source", "", "echo = { path = \"" + producer + "\" }\n");
            consumers[3] = consumer(work, "git", "", "echo = { git = \"" + producer.toUri() + "\", tag = " +
                "\"v1.0.0\" }\n");
            // Pin the offline consumer's lock from the running instance (what `cell lock` does).
            final GenomeResolver.Resolved pinned = new GenomeResolver(consumers[1], CellDeps.read(consumers[1]), home,
                Duration.ofSeconds(10)).resolve("echo", false);
            dev.cell.tissue.config.CellLock.read(consumers[0]).pin("echo", pinned.genome(), pinned.source());

            final Map<String, List<Double>> resolve = new LinkedHashMap<>();
            final Map<String, List<Double>> compile = new LinkedHashMap<>();
            for (final String m : MODES)
            {
                resolve.put(m, new ArrayList<>());
                compile.put(m, new ArrayList<>());
            }
            // Round 0 is warm-up (class loading, JIT) and is reported separately as "first".
            final double[] firstResolve = new double[MODES.length];
            for (int round = 0; round <= rounds; round++)
            {
                for (int m = 0; m < MODES.length; m++)
                {
                    final Path c = consumers[m];
                    // Only the "running" consumer sees the instance; the others resolve from their source.
                    final Path cellHome = m == 1 ? home : work.resolve("empty-home");
                    System.setProperty("cell.home", cellHome.toString());
                    if (m > 0)
                    {
                        Files.deleteIfExists(c.resolve("Cell.lock"));
                    }
                    long t0 = System.nanoTime();
                    new GenomeResolver(c, CellDeps.read(c), cellHome, Duration.ofSeconds(10)).resolve("echo", true);
                    final double r = (System.nanoTime() - t0) / 1e6;
                    if (m > 0)
                    {
                        Files.deleteIfExists(c.resolve("Cell.lock"));
                    }
                    t0 = System.nanoTime();
                    compileConsumer(c);
                    final double k = (System.nanoTime() - t0) / 1e6;
                    if (round == 0)
                    {
                        firstResolve[m] = r;
                    }
                    else
                    {
                        resolve.get(MODES[m]).add(r);
                        compile.get(MODES[m]).add(k);
                    }
                }
            }
            System.out.println("ResolutionBenchmark: " + machine() + ", " + rounds + " interleaved rounds after one " +
                "warm-up round");
            System.out.println();
            System.out.printf("%-42s %14s %14s %18s %18s%n", "resolution path", "first ms", "median ms",
                "consumer javac ms", "javac vs offline");
            final double offlineCompile = median(compile.get(MODES[0]));
            for (int m = 0; m < MODES.length; m++)
            {
                final double k = median(compile.get(MODES[m]));
                System.out.printf("%-42s %14.1f %14.1f %18.0f %+17.0f%n", MODES[m], firstResolve[m],
                    median(resolve.get(MODES[m])), k, k - offlineCompile);
            }
        }
        finally
        {
            instance.destroy();
            if (!instance.waitFor(10, TimeUnit.SECONDS))
            {
                instance.destroyForcibly();
            }
        }
    }

    private static Path consumer(final Path work, final String name, final String cell, final String deps)
        throws IOException
    {
        final Path root = Files.createDirectories(work.resolve("consumer-" + name));
        Files.writeString(root.resolve("cell.toml"), "[cell]\nname = \"c" + name + "\"\n" + cell +
            (deps.isEmpty() ? "" : "\n[deps]\n" + deps));
        final Path src = Files.createDirectories(root.resolve("src/main/java/c"));
        Files.writeString(src.resolve("EchoApi.java"), """
            package c;

            @dev.cell.runtime.CellRemote("echo")
            public interface EchoApi
            {
            }
            """);
        Files.writeString(src.resolve("Use.java"), """
            package c;

            final class Use
            {
                static long use(final c.echo.EchoClient client)
                {
                    return client.echo(new c.echo.EchoRequest(1, 2)).sequence();
                }
            }
            """);
        return root;
    }

    private static void compileConsumer(final Path root) throws IOException
    {
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final Path out = root.resolve("target");
        if (Files.exists(out))
        {
            try (var walk = Files.walk(out))
            {
                for (final Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList())
                {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(out.resolve("classes"));
        Files.createDirectories(out.resolve("generated"));
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8))
        {
            final List<String> options = List.of("-d", out.resolve("classes").toString(), "-s",
                out.resolve("generated").toString(), "-classpath", System.getProperty("java.class.path"),
                "-Acell.root=" + root, "-nowarn");
            final JavaCompiler.CompilationTask task = javac.getTask(null, fm, null, options, null,
                fm.getJavaFileObjects(root.resolve("src/main/java/c/EchoApi.java").toFile(),
                root.resolve("src/main/java/c/Use.java").toFile()));
            task.setProcessors(List.of(new CellProcessor()));
            if (!task.call())
            {
                throw new IllegalStateException("the consumer in " + root + " did not compile");
            }
        }
    }

    private static double median(final List<Double> values)
    {
        final double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String machine() throws IOException
    {
        String cpu = "unknown cpu";
        final Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo))
        {
            cpu = Arrays.stream(Files.readString(cpuinfo).split("\n")).filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        }
        return Runtime.getRuntime().availableProcessors() + " cpus, " + cpu + ", JDK " + Runtime.version();
    }
}
