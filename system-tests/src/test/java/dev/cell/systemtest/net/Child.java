package dev.cell.systemtest.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A child process for multi-host tests: its stdout and stderr are read, merged, into lines that a test can wait for
 * ({@link #awaitLine(Pattern, Duration)}, always with a timeout), and {@link #close()} ends it (SIGTERM, then SIGKILL)
 * together with its descendants. Works for commands wrapped by {@link NetNamespaces#command}, since
 * {@code ip netns exec} replaces itself with the command it runs.
 */
public final class Child implements AutoCloseable
{
    /**
     * Directories searched after {@code PATH} by {@link #which(String)}: system tools often live in sbin, which a
     * non-login {@code PATH} may lack.
     */
    public static final List<String> SYSTEM_DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    private static final Duration TERM_GRACE = Duration.ofSeconds(10);

    private final String name;
    private final List<String> command;
    private final Process process;
    private final Lines lines;

    private Child(final String name, final List<String> command, final Process process)
    {
        this.name = name;
        this.command = command;
        this.process = process;
        this.lines = new Lines(name, process.getInputStream());
    }

    /**
     * Start a child with stdout and stderr merged.
     *
     * @param name    for thread names and failure messages.
     * @param command the command line.
     * @param env     variables added to the inherited environment.
     * @return the running child.
     * @throws IOException if it cannot be started.
     */
    public static Child start(final String name, final List<String> command, final Map<String, String> env)
        throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        return new Child(name, List.copyOf(command), builder.start());
    }

    /**
     * Run a command to completion and return its exit status and merged output.
     *
     * @param command the command line.
     * @param timeout how long it may run before it is killed and this throws.
     * @return exit status and output.
     * @throws IOException if it cannot be started or overruns the timeout.
     */
    public static Result run(final List<String> command, final Duration timeout) throws IOException
    {
        try (Child child = start("run", command, Map.of()))
        {
            final int exitCode = child.awaitExit(timeout);
            return new Result(exitCode, child.output());
        }
    }

    /**
     * The command line that runs {@code mainClass} in a fresh JVM of the same Java installation, on this JVM's class
     * path (under Surefire: the test class path).
     *
     * @param mainClass a class with a {@code main} method.
     * @param args      its arguments.
     * @return the command line.
     */
    public static List<String> java(final Class<?> mainClass, final List<String> args)
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Find an executable on {@code PATH} or in {@link #SYSTEM_DIRS}.
     *
     * @param name the command name.
     * @return its absolute path, or null when not found.
     */
    public static String which(final String name)
    {
        final List<String> dirs = new ArrayList<>();
        final String path = System.getenv("PATH");
        if (path != null)
        {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(SYSTEM_DIRS);
        for (final String dir : dirs)
        {
            if (!dir.isEmpty())
            {
                final Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
                {
                    return candidate.toAbsolutePath().toString();
                }
            }
        }
        return null;
    }

    /**
     * Wait for a line of output that matches {@code pattern} (found anywhere in the line).
     *
     * @param pattern what to look for.
     * @param timeout how long to wait.
     * @return the first matching line.
     * @throws IOException if the child's output ends first or the timeout passes; the message has the output so far.
     */
    public String awaitLine(final Pattern pattern, final Duration timeout) throws IOException
    {
        return lines.await(pattern, timeout, this::describe);
    }

    /**
     * Wait until the child has written more than {@code count} lines, or its output ended, or the timeout passed.
     *
     * @param count   lines seen so far ({@link #lines()}' size).
     * @param timeout how long to wait at most.
     * @return true when there are more lines now.
     */
    public boolean awaitMoreLines(final int count, final Duration timeout)
    {
        return lines.awaitMore(count, timeout);
    }

    /**
     * @return the lines read so far.
     */
    public List<String> lines()
    {
        return lines.snapshot();
    }

    /**
     * Wait for the child to exit, killing it if it overruns.
     *
     * @param timeout how long to wait.
     * @return its exit status.
     * @throws IOException if it overran the timeout (it is then killed); the message has its output.
     */
    public int awaitExit(final Duration timeout) throws IOException
    {
        try
        {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                close();
                throw new IOException("timed out after " + timeout + ": " + describe());
            }
            lines.awaitEnd(TERM_GRACE);
            return process.exitValue();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted waiting for " + name, ex);
        }
    }

    /**
     * @return the output read so far, one line per line.
     */
    public String output()
    {
        return String.join("\n", lines.snapshot());
    }

    /**
     * @return the process, for its pid or exit status.
     */
    public Process process()
    {
        return process;
    }

    /**
     * SIGTERM the child and its descendants, wait up to ten seconds, then SIGKILL what is left, and read its output to
     * the end (signals go through {@link ProcessHandle}, since {@link Process#destroy()} would also close the pipes and
     * lose what the child prints on its way out). Idempotent.
     */
    public void close()
    {
        final List<ProcessHandle> descendants = process.descendants().toList();
        process.toHandle().destroy();
        descendants.forEach(ProcessHandle::destroy);
        try
        {
            if (!process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS))
            {
                process.toHandle().destroyForcibly();
                process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
            lines.awaitEnd(TERM_GRACE);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.toHandle().destroyForcibly();
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        closeQuietly(process.getOutputStream());
        closeQuietly(process.getInputStream());
    }

    private static void closeQuietly(final AutoCloseable stream)
    {
        try
        {
            stream.close();
        }
        catch (final Exception ignore)
        {
            // the pipe is done with either way
        }
    }

    private String describe()
    {
        return name + " (" + String.join(" ", command) + ")" + (process.isAlive() ? "" : " exited " +
            process.exitValue()) + ", output:\n" + output();
    }

    /**
     * Exit status and merged output of a finished command.
     *
     * @param exitCode its exit status.
     * @param output   its stdout and stderr.
     */
    public record Result(int exitCode, String output)
    {
    }

    /**
     * Lines read from a stream by a daemon thread, which a caller can wait for.
     */
    static final class Lines
    {
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;
        private boolean ended;

        Lines(final String name, final InputStream in)
        {
            reader = Thread.ofPlatform().daemon().name(name + "-output").start(() -> read(in));
        }

        String await(final Pattern pattern, final Duration timeout, final Supplier<String> describe)
            throws IOException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            int next = 0;
            synchronized (this)
            {
                while (true)
                {
                    for (; next < lines.size(); next++)
                    {
                        if (pattern.matcher(lines.get(next)).find())
                        {
                            return lines.get(next);
                        }
                    }
                    if (ended || !waitUntil(deadline))
                    {
                        break;
                    }
                }
            }
            throw new IOException("no line matching '" + pattern + "' within " + timeout + ": " + describe.get());
        }

        synchronized boolean awaitMore(final int count, final Duration timeout)
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (lines.size() <= count && !ended && waitUntil(deadline))
            {
                // woken by a new line, the end of the output, or the time
            }
            return lines.size() > count;
        }

        /**
         * Wait (holding this monitor) until notified or the deadline.
         *
         * @return false when the deadline had passed or the thread was interrupted.
         */
        private boolean waitUntil(final long deadlineNs)
        {
            final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
            if (remainingMs <= 0)
            {
                return false;
            }
            try
            {
                wait(remainingMs);
                return true;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        void awaitEnd(final Duration timeout) throws InterruptedException
        {
            reader.join(timeout);
        }

        synchronized List<String> snapshot()
        {
            return List.copyOf(lines);
        }

        private void read(final InputStream in)
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    synchronized (this)
                    {
                        lines.add(line);
                        notifyAll();
                    }
                }
            }
            catch (final IOException ex)
            {
                synchronized (this)
                {
                    lines.add("(output unreadable: " + ex + ")");
                }
            }
            finally
            {
                synchronized (this)
                {
                    ended = true;
                    notifyAll();
                }
            }
        }
    }
}
