package dev.cell.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.cell.systemtest.SystemTestSupport.cell;
import static dev.cell.systemtest.SystemTestSupport.mustSucceed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the README promises a new user: {@code cell init demo}, then {@code cell mitosis} in it gives a working cell
 * that {@code cell call} reaches, and {@code cell stop} leaves no process and no run file behind.
 */
@Timeout(600)
class InitSystemTest
{
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
    void shouldScaffoldBuildRunCallAndStopANewCell() throws Exception
    {
        final Path root = SystemTestSupport.newDir("init");
        cellHome = root.resolve("cell-home");
        final Path demo = root.resolve("demo");

        mustSucceed(cell(root, cellHome, 60, "init", "demo", "--dir", root.toString()), "cell init");
        assertTrue(Files.isRegularFile(demo.resolve("cell.toml")));

        mustSucceed(cell(demo, cellHome, 300, "mitosis", ".", "--detach", "--offline"), "cell mitosis");
        final List<Long> pids = SystemTestSupport.registeredPids(cellHome);
        assertEquals(1, pids.size(), "one instance registered");

        final SystemTestSupport.Result greeting = cell(root, cellHome, 60, "call", "demo", "greet", "{\"name\":\"Ada\"}");
        assertEquals(0, greeting.exitCode(), greeting.output());
        assertTrue(greeting.output().contains("Hello, Ada!"), greeting.output());

        final SystemTestSupport.Result error = cell(root, cellHome, 60, "call", "demo", "greet", "{\"name\":\" \"}");
        assertEquals(3, error.exitCode(), error.output());
        assertTrue(error.output().contains("InvalidName"), error.output());

        final String ps = mustSucceed(cell(root, cellHome, 60, "ps", "--json"), "cell ps").output();
        assertTrue(ps.contains("\"demo\""), ps);

        mustSucceed(cell(root, cellHome, 60, "stop", "demo"), "cell stop");
        for (final long pid : pids)
        {
            final ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
            if (handle != null)
            {
                handle.onExit().get(10, TimeUnit.SECONDS);
            }
        }
        assertTrue(SystemTestSupport.registeredPids(cellHome).isEmpty(), "registry empty after stop");
        final Path run = demo.resolve(".cell/run");
        if (Files.isDirectory(run))
        {
            try (Stream<Path> left = Files.list(run))
            {
                assertFalse(left.findAny().isPresent(), "no run files left in " + run);
            }
        }
        assertTrue(Files.isDirectory(demo.resolve(".cell/log")), "logs are kept after stop");
    }
}
