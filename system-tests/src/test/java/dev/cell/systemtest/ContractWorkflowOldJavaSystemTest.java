package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's contract workflow exactly as a user types it, through the {@code ./cell} script, on a machine whose
 * default {@code java} is older than 25 and with no {@code JAVA_HOME}: {@code cell init} a producer and a consumer,
 * {@code cell add}, {@code cell build} (the consumer's compile resolves the producer's genome), the producer renames
 * a field the consumer reads, and the consumer's next {@code cell build} fails naming that field and its handler.
 */
class ContractWorkflowOldJavaSystemTest
{
    private static final Path CELL_SCRIPT = Path.of("..", "cell").toAbsolutePath().normalize();

    private Path cellHome;

    @AfterEach
    void killEverything() throws IOException
    {
        if (cellHome != null)
        {
            SystemTestSupport.killInstances(cellHome);
        }
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void initAddBuildRenameRebuildWithAnOldDefaultJava() throws Exception
    {
        final Path oldJdk = olderJdk();
        assumeTrue(oldJdk != null, "no JDK older than 25 under /usr/lib/jvm: nothing to put first on PATH");
        final Path root = SystemTestSupport.newDir("old-java");
        cellHome = root.resolve("cell-home");
        final Map<String, String> env = Map.of("PATH", oldJdk.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin",
            "CELL_HOME", cellHome.toString(), "CELL_SELF_BUILD", "0");
        final Result javaVersion = run(root, env, List.of("/usr/bin/env", "java", "-version"));
        assertTrue(javaVersion.output().contains("version \"" + feature(oldJdk)), "java on PATH is " +
            javaVersion.output());

        ok(run(root, env, cell("init", "greeter")), "cell init greeter");
        ok(run(root, env, cell("init", "visitor")), "cell init visitor");
        final Path visitor = root.resolve("visitor");
        ok(run(visitor, env, cell("add", "greeter", "--path", "../greeter")), "cell add");
        Files.writeString(visitor.resolve("src/main/java/dev/cell/app/visitor/GreeterApi.java"), """
            package dev.cell.app.visitor;

            import dev.cell.runtime.CellRemote;

            @CellRemote("greeter")
            public interface GreeterApi
            {
                record Said(String message) {}

                Said greet(String name) throws dev.cell.app.visitor.greeter.InvalidName;
            }
            """);

        final Result built = ok(run(visitor, env, cell("build", "--offline")), "cell build visitor");
        assertTrue(built.output().contains("built 1 cell(s) of 'visitor'") &&
            built.output().contains("with Java 2"), built.output());
        assertTrue(Files.isRegularFile(visitor.resolve("Cell.lock")), "the first build pins greeter");
        assertTrue(Files.isRegularFile(visitor.resolve(".cell-genomes/greeter.genome.json")));

        final Path greeting = root.resolve("greeter/src/main/java/dev/cell/app/greeter/Greeting.java");
        Files.writeString(greeting, Files.readString(greeting).replace("String message", "String text")
            .replace("@param message", "@param text"));

        final Result broken = run(visitor, env, cell("build", "--offline"));
        assertNotEquals(0, broken.exitCode(), broken.output());
        assertTrue(broken.output().contains("handler 'greet': field 'message' of the result does not exist in " +
            "the producer"), broken.output());
    }

    private static List<String> cell(final String... args)
    {
        final List<String> cmd = new ArrayList<>(List.of(CELL_SCRIPT.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Result ok(final Result r, final String what)
    {
        if (r.exitCode() != 0)
        {
            fail(what + " exited with " + r.exitCode() + ":\n" + r.output());
        }
        return r;
    }

    private record Result(int exitCode, String output)
    {
    }

    private static Result run(final Path dir, final Map<String, String> env, final List<String> cmd)
        throws IOException, InterruptedException
    {
        final Path log = Files.createTempFile(dir, "process-", ".out");
        final ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().remove("JAVA_HOME");
        builder.environment().putAll(env);
        final Process process = builder.start();
        try
        {
            if (!process.waitFor(300, TimeUnit.SECONDS))
            {
                fail("timed out: " + String.join(" ", cmd) + "\n" + Files.readString(log));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        }
        finally
        {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private static Path olderJdk() throws IOException
    {
        final Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms))
        {
            return null;
        }
        try (Stream<Path> homes = Files.list(jvms))
        {
            return homes.filter(h -> Files.isExecutable(h.resolve("bin/java")))
                .filter(h -> feature(h) > 0 && feature(h) < 25)
                .sorted()
                .findFirst()
                .orElse(null);
        }
    }

    private static int feature(final Path home)
    {
        try
        {
            for (final String line : Files.readAllLines(home.resolve("release")))
            {
                if (line.startsWith("JAVA_VERSION=\""))
                {
                    final String v = line.substring("JAVA_VERSION=\"".length());
                    final int end = v.indexOf('.') > 0 ? v.indexOf('.') : v.indexOf('"');
                    return Integer.parseInt(v.substring(0, end));
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            return 0;
        }
        return 0;
    }
}
