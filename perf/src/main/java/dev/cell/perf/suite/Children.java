package dev.cell.perf.suite;

import dev.cell.tissue.launch.JvmCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts the suite's peer processes (same JDK, same class path, the project's JVM flags) and stops them.
 */
final class Children
{
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static
    {
        // a suite stopped by a signal takes its children with it (a Peer also exits when its stdin closes, a cell
        // instance does not watch its stdin)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroy), "stop-peers"));
    }

    private Children()
    {
    }

    /**
     * Start a child JVM whose standard output the caller reads.
     */
    static Process start(final Path work, final List<String> mainAndArgs, final Map<String, String> env)
        throws IOException
    {
        return start(work, mainAndArgs, env, false);
    }

    /**
     * @param discardOutput whether nobody reads the child's standard output (so it must not fill a pipe).
     */
    static Process start(
        final Path work, final List<String> mainAndArgs, final Map<String, String> env, final boolean discardOutput)
        throws IOException
    {
        return start(work, mainAndArgs, env, Map.of(), discardOutput);
    }

    /**
     * @param properties system properties for the child.
     */
    static Process start(final Path work, final List<String> mainAndArgs, final Map<String, String> env,
        final Map<String, String> properties, final boolean discardOutput) throws IOException
    {
        return start(List.of(), work, mainAndArgs, env, properties, discardOutput);
    }

    /**
     * @param prefix a command the JVM runs under ({@link Netns#prefix()}), or empty.
     */
    static Process start(final List<String> prefix, final Path work, final List<String> mainAndArgs,
        final Map<String, String> env, final Map<String, String> properties, final boolean discardOutput)
        throws IOException
    {
        final JvmCommand command = JvmCommand.java().ownClassPath();
        properties.forEach(command::property);
        final List<String> line = new ArrayList<>(prefix);
        line.addAll(command.main(mainAndArgs.getFirst()).args(mainAndArgs.subList(1, mainAndArgs.size())).toList());
        final ProcessBuilder builder = new ProcessBuilder(line).directory(work.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT);
        if (discardOutput)
        {
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        builder.environment().putAll(env);
        final Process process = builder.start();
        LIVE.add(process);
        return process;
    }

    /**
     * Start a {@link Peer} and wait for its "ready" line.
     *
     * @return the process and what followed "ready" (a port, or empty).
     */
    static Started startPeer(final Path work, final Duration timeout, final String... args) throws Exception
    {
        return startPeer(List.of(), work, timeout, args);
    }

    /**
     * Start a {@link Peer} under a command prefix ({@link Netns#prefix()}) and wait for its "ready" line.
     *
     * @return the process and what followed "ready" (a port, or empty).
     */
    static Started startPeer(final List<String> prefix, final Path work, final Duration timeout,
        final String... args) throws Exception
    {
        final List<String> mainAndArgs = new ArrayList<>();
        mainAndArgs.add(Peer.class.getName());
        mainAndArgs.addAll(List.of(args));
        final Process process = start(prefix, work, mainAndArgs, Map.of(), Map.of(), false);
        try
        {
            final CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> readyLine(process));
            final String ready = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Started(process, ready.substring("ready".length()).trim());
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            stop(process);
            throw new IOException("peer " + String.join(" ", args) + " did not get ready within " + timeout +
                " (see its output above)", ex);
        }
    }

    private static String readyLine(final Process process)
    {
        final BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try
        {
            String l;
            while ((l = reader.readLine()) != null)
            {
                if (l.startsWith("ready"))
                {
                    return l;
                }
            }
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
        throw new IllegalStateException("peer exited before it was ready");
    }

    /**
     * Close the child's stdin (a {@link Peer} exits on it), then SIGTERM, then kill; waits at most a few seconds.
     */
    static void stop(final Process process) throws InterruptedException
    {
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException ignored)
        {
            // already gone
        }
        if (!process.waitFor(5, TimeUnit.SECONDS))
        {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
        LIVE.remove(process);
    }

    record Started(Process process, String detail)
    {
    }
}
