package dev.cell.runtime.junction;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Child JVMs for the liveness tests: started with extra system properties, waited for until they print a line
 * starting with "ready ", their output drained afterwards. Signals through {@code kill}.
 */
final class Children
{
    private Children()
    {
    }

    /**
     * A started child and its ready line.
     */
    record Child(Process process, String readyLine)
    {
        long pid()
        {
            return process.pid();
        }

        void destroy() throws InterruptedException
        {
            signal(process.pid(), "CONT");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static Child start(final Class<?> main, final List<String> properties, final String... args) throws Exception
    {
        return start(List.of(), main, properties, args);
    }

    /**
     * Start a child whose files may not grow past {@code fileSizeKiB} (RLIMIT_FSIZE through the shell's
     * {@code ulimit -f}): writing or allocating past it fails with EFBIG, an injected "disk full" that needs no root.
     */
    static Child startWithFileSizeLimit(
        final long fileSizeKiB, final Class<?> main, final List<String> properties, final String... args)
        throws Exception
    {
        return start(List.of("bash", "-c", "ulimit -f " + fileSizeKiB + " && exec \"$@\"", "bash"), main, properties,
            args);
    }

    private static Child start(
        final List<String> prefix, final Class<?> main, final List<String> properties, final String... args)
        throws Exception
    {
        final List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : System.getProperty("child.jvm.flags", "").trim().split("\\s+"))
        {
            if (!flag.isEmpty())
            {
                cmd.add(flag);
            }
        }
        cmd.addAll(properties);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(),
            StandardCharsets.UTF_8));
        final CompletableFuture<String> ready = CompletableFuture.supplyAsync(() ->
        {
            try
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    System.out.println("[child " + p.pid() + "] " + line);
                    if (line.startsWith("ready "))
                    {
                        return line;
                    }
                }
                return null;
            }
            catch (final java.io.IOException ex)
            {
                return null;
            }
        });
        final String line;
        try
        {
            line = ready.get(30, TimeUnit.SECONDS);
            assertNotNull(line, "child exited before it was ready");
        }
        catch (final Exception | AssertionError ex)
        {
            p.destroyForcibly();
            throw ex;
        }
        Thread.ofPlatform().daemon(true).start(() ->
        {
            try
            {
                String l;
                while ((l = reader.readLine()) != null)
                {
                    System.out.println("[child " + p.pid() + "] " + l);
                }
            }
            catch (final java.io.IOException ignore)
            {
                // Child gone.
            }
        });
        return new Child(p, line);
    }

    static void signal(final long pid, final String signal)
    {
        try
        {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true).start();
            kill.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed", ex);
        }
        if (signal.equals("STOP"))
        {
            awaitState(pid, 'T'); // delivery is asynchronous: a call sent before it lands would still be answered
        }
    }

    private static void awaitState(final long pid, final char state)
    {
        final Path stat = Path.of("/proc", Long.toString(pid), "stat");
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (true)
        {
            try
            {
                final String text = Files.readString(stat);
                final int end = text.lastIndexOf(')');
                if (end > 0 && end + 2 < text.length() && text.charAt(end + 2) == state)
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("process " + pid + " is gone", ex);
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("process " + pid + " did not reach state " + state + " in 10 s");
            }
            Thread.onSpinWait();
        }
    }

    /**
     * @return the process's CPU time so far (user + system).
     */
    static Duration cpu(final long pid)
    {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
            .orElseThrow(() -> new AssertionError("no CPU time for pid " + pid));
    }
}
