package dev.cell.systemtest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs the {@code cell} command, Maven and plain JVMs as child processes for system tests. Every child is bounded by
 * a timeout and killed when it overruns; {@link #killInstances(Path)} kills whatever registered under a test's cell
 * home, so a failing test leaves no process behind.
 */
final class SystemTestSupport
{
    static final String CELL_VERSION = System.getProperty("cell.version", "0.1.0-SNAPSHOT");
    static final Path CLI_JAR = Path.of(System.getProperty("cell.cli.jar", "../cell-cli/target/cell-cli.jar"));
    static final List<String> JVM_FLAGS = Arrays.stream(System.getProperty("child.jvm.flags", "").trim().split("\\s+"))
        .filter(s -> !s.isEmpty())
        .toList();

    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");

    record Result(int exitCode, String output)
    {
    }

    private SystemTestSupport()
    {
    }

    static Path newDir(final String name) throws IOException
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base.toAbsolutePath(), name + "-");
    }

    static Path java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    static Path mvn()
    {
        final String home = System.getProperty("maven.home");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "mvn")))
        {
            return Path.of(home, "bin", "mvn");
        }
        return Path.of("mvn");
    }

    static Result run(final Path dir, final Map<String, String> env, final long timeoutSeconds, final List<String> cmd)
        throws IOException, InterruptedException
    {
        final Path log = Files.createTempFile(dir, "process-", ".out");
        final ProcessBuilder builder = new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        final Process process = builder.start();
        try
        {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS))
            {
                fail("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd) + "\n" + Files.readString(log));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        }
        finally
        {
            process.destroyForcibly();
        }
    }

    static Result cell(final Path dir, final Path cellHome, final long timeoutSeconds, final String... args)
        throws IOException, InterruptedException
    {
        return cell(dir, cellHome, Map.of(), timeoutSeconds, args);
    }

    static Result cell(final Path dir, final Path cellHome, final Map<String, String> env, final long timeoutSeconds,
        final String... args) throws IOException, InterruptedException
    {
        final Map<String, String> all = new java.util.HashMap<>(env);
        all.put("CELL_HOME", cellHome.toString());
        return run(dir, all, timeoutSeconds, cli(args));
    }

    /**
     * @param args the {@code cell} command's arguments.
     * @return the command line that runs the CLI jar with them, on the test's JDK and child JVM flags.
     */
    static List<String> cli(final String... args)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(java().toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-jar");
        cmd.add(CLI_JAR.toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result mustSucceed(final Result result, final String what)
    {
        if (result.exitCode() != 0)
        {
            fail(what + " exited with " + result.exitCode() + ":\n" + result.output());
        }
        return result;
    }

    static void mvn(final Path project, final String... goals) throws IOException, InterruptedException
    {
        final List<String> cmd = new ArrayList<>(List.of(mvn().toString(), "-B", "-q", "-o"));
        cmd.addAll(List.of(goals));
        mustSucceed(run(project, Map.of(), 300, cmd), "mvn " + String.join(" ", goals) + " in " + project);
    }

    /**
     * Kill -9 every process registered under this cell home; used after each test.
     */
    static void killInstances(final Path cellHome) throws IOException
    {
        killSupervisors(cellHome);
        final Path instances = cellHome.resolve("instances");
        if (!Files.isDirectory(instances))
        {
            return;
        }
        try (Stream<Path> files = Files.walk(instances))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".json")).toList())
            {
                final Matcher m = PID.matcher(Files.readString(file));
                if (m.find())
                {
                    ProcessHandle.of(Long.parseLong(m.group(1))).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    /**
     * kill -9 the detached supervisors of a cell home (they would restart what is killed); they carry
     * {@code -Dcell.home=<cellHome>}.
     */
    static void killSupervisors(final Path cellHome)
    {
        final String marker = "-Dcell.home=" + cellHome;
        ProcessHandle.allProcesses()
            .filter(h -> h.info().commandLine().map(c -> c.contains(marker) && c.contains("--supervise")).orElse(false))
            .forEach(h ->
            {
                h.destroyForcibly();
                h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ex -> h).join();
            });
    }

    /**
     * Copy an example cell's sources and {@code cell.toml} to a new folder, with a pom of its own that depends on
     * this build of Cell.
     *
     * @param from              the example's folder.
     * @param target            the new folder.
     * @param artifactId        the pom's artifact id.
     * @param extraDependencies {@code <dependency>} elements to add.
     * @return {@code target}.
     */
    static Path copyCell(final Path from, final Path target, final String artifactId,
        final String extraDependencies) throws IOException
    {
        final Path sources = from.resolve("src/main");
        try (Stream<Path> files = Files.walk(sources))
        {
            for (final Path file : files.filter(Files::isRegularFile).toList())
            {
                write(target.resolve("src/main").resolve(sources.relativize(file)), Files.readString(file));
            }
        }
        Files.copy(from.resolve("cell.toml"), target.resolve("cell.toml"));
        write(target.resolve("pom.xml"), pom(artifactId, extraDependencies));
        return target;
    }

    /**
     * Copy a project's sources (no {@code target}, no {@code .cell}) to a new folder.
     *
     * @return {@code to}.
     */
    static Path copyProject(final Path from, final Path to) throws IOException
    {
        return copy(from, to, rel -> rel.toString().contains("target") || rel.toString().contains(".cell"));
    }

    /**
     * Copy a built project (its {@code target/} too, not its {@code .cell/}) to a new folder.
     *
     * @return {@code to}.
     */
    static Path copyBuilt(final Path from, final Path to) throws IOException
    {
        return copy(from, to, rel -> !rel.toString().isEmpty() && rel.getName(0).toString().equals(".cell"));
    }

    private static Path copy(final Path from, final Path to, final java.util.function.Predicate<Path> skip)
        throws IOException
    {
        try (Stream<Path> files = Files.walk(from))
        {
            for (final Path p : files.toList())
            {
                final Path rel = from.relativize(p);
                if (skip.test(rel))
                {
                    continue;
                }
                final Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p))
                {
                    Files.createDirectories(dest);
                }
                else
                {
                    Files.copy(p, dest);
                }
            }
        }
        return to;
    }

    static List<Long> registeredPids(final Path cellHome) throws IOException
    {
        final List<Long> pids = new ArrayList<>();
        final Path instances = cellHome.resolve("instances");
        if (!Files.isDirectory(instances))
        {
            return pids;
        }
        try (Stream<Path> files = Files.walk(instances))
        {
            for (final Path file : files.filter(f -> f.toString().endsWith(".json")).toList())
            {
                final Matcher m = PID.matcher(Files.readString(file));
                if (m.find())
                {
                    pids.add(Long.parseLong(m.group(1)));
                }
            }
        }
        return pids;
    }

    static String pom(final String artifactId, final String extraDependencies)
    {
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <project xmlns="http://maven.apache.org/POM/4.0.0"
                     xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                     xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
              <modelVersion>4.0.0</modelVersion>
              <groupId>dev.cell.systemtest</groupId>
              <artifactId>%1$s</artifactId>
              <version>1.0-SNAPSHOT</version>
              <properties>
                <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
              </properties>
              <dependencies>
                <dependency><groupId>dev.cell</groupId><artifactId>cell-runtime</artifactId><version>%2$s</version></dependency>
            %3$s
              </dependencies>
              <build>
                <plugins>
                  <plugin>
                    <groupId>org.apache.maven.plugins</groupId>
                    <artifactId>maven-compiler-plugin</artifactId>
                    <version>3.14.1</version>
                    <configuration>
                      <release>25</release>
                      <annotationProcessorPaths>
                        <path><groupId>dev.cell</groupId><artifactId>cell-compiler</artifactId><version>%2$s</version></path>
                      </annotationProcessorPaths>
                    </configuration>
                  </plugin>
                  <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                  <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.2</version></plugin>
                  <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>3.1.4</version></plugin>
                  <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.4</version></plugin>
                  <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.9.0</version></plugin>
                </plugins>
              </build>
            </project>
            """.formatted(artifactId, CELL_VERSION, extraDependencies);
    }

    static void write(final Path file, final String text) throws IOException
    {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /**
     * A producer project {@code quotes} (handlers {@code quote}, which throws {@code UnknownTicker} for any ticker but
     * ACME, and {@code count}), its {@code Quote} record's components and constructor arguments given.
     */
    static void writeQuotesProducer(final Path dir, final String version, final String quoteFields,
        final String quoteArgs) throws IOException
    {
        write(dir.resolve("pom.xml"), pom("quotes", ""));
        write(dir.resolve("cell.toml"), """
            [cell]
            name = "quotes"
            """);
        final Path src = dir.resolve("src/main/java/quotes");
        write(src.resolve("QuoteRequest.java"), """
            package quotes;

            public record QuoteRequest(String ticker)
            {
            }
            """);
        write(src.resolve("Quote.java"), """
            package quotes;

            import dev.cell.runtime.Since;

            public record Quote(String ticker, %s)
            {
            }
            """.formatted(quoteFields));
        write(src.resolve("UnknownTicker.java"), """
            package quotes;

            import dev.cell.runtime.CellError;

            public final class UnknownTicker extends CellError
            {
                private final String ticker;

                public UnknownTicker(final String ticker)
                {
                    super("unknown ticker " + ticker);
                    this.ticker = ticker;
                }

                public String ticker()
                {
                    return ticker;
                }
            }
            """);
        write(src.resolve("Quotes.java"), """
            package quotes;

            import dev.cell.runtime.Cell;

            @Cell(value = "quotes", version = "%s")
            public final class Quotes
            {
                public Quote quote(final QuoteRequest request) throws UnknownTicker
                {
                    if (!request.ticker().equals("ACME"))
                    {
                        throw new UnknownTicker(request.ticker());
                    }
                    final long bid = 99;
                    final long ask = 101;
                    return new Quote(request.ticker(), %s);
                }

                public long count()
                {
                    return 7;
                }
            }
            """.formatted(version, quoteArgs));
    }

    /**
     * Delete a folder and everything in it; nothing when it does not exist.
     */
    static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.delete(p);
            }
        }
    }
}
