package dev.cell.cli;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.client.CellHome;
import dev.cell.tissue.UserError;
import dev.cell.tissue.build.FrameworkClasspath;
import dev.cell.tissue.build.MavenBuild;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.launch.JvmCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * This host's registry replica as a process of its own ({@code dev.cell.registry.RegistryHost}, which needs Ratis and
 * RocksDB that the {@code cell} command does not carry: its class path is resolved by Maven, {@link
 * FrameworkClasspath}). Started detached in its own session with its output in {@code <dir>/.cell/log/registry.out}
 * and its pid in {@code <dir>/.cell/registry.pid}; {@code cell join}, {@code cell registry serve} and
 * {@code cell registry stop} use it.
 *
 * @since 0.3
 */
final class RegistryProcess
{
    static final String MAIN = "dev.cell.registry.RegistryHost";
    private static final Pattern READY = Pattern.compile("registry ready slot=(\\d+)[^\\n]*");

    private RegistryProcess()
    {
    }

    /**
     * @param dir      the registry folder named on the command line, or null.
     * @param cellHome this host's cell home.
     * @return that folder, else {@code $CELL_HOME/registry-replica}, absolute.
     */
    static Path folder(final Path dir, final Path cellHome)
    {
        return (dir == null ? cellHome.resolve("registry-replica") : dir).toAbsolutePath().normalize();
    }

    /**
     * Start the replica and wait until it reports ready.
     *
     * @param dir      its registry folder.
     * @param cellHome this host's cell home.
     * @param args     RegistryHost's arguments after {@code --dir} and {@code --home}.
     * @param env      variables added to its environment.
     * @param launch   the class path's source and how long it may take to be ready.
     * @param out      where the outcome goes.
     * @return its slot.
     * @throws UserError when it exits or is not ready in time (with its output's tail), or one already runs.
     */
    static int start(final Path dir, final Path cellHome, final List<String> args, final Map<String, String> env,
        final Launch launch, final PrintWriter out)
    {
        final Duration timeout = Durations.parse(launch.timeout, "--timeout");
        final Optional<ProcessHandle> running = running(dir);
        if (running.isPresent())
        {
            throw new UserError("the registry replica of " + dir + " already runs (pid " + running.get().pid() +
                "); `cell registry stop " + dir + "` stops it");
        }
        final StringWriter maven = new StringWriter();
        final String cp;
        try (PrintWriter quiet = new PrintWriter(maven))
        {
            cp = FrameworkClasspath.resolve("cell-registry", cellHome.resolve("classpaths").resolve("cell-registry"),
                launch.offline, quiet);
        }
        final Path log = dir.resolve(".cell").resolve("log").resolve("registry.out");
        final List<String> all = new ArrayList<>(List.of("--dir", dir.toString(), "--home", cellHome.toString()));
        all.addAll(args);
        final ProcessBuilder pb = JvmCommand.java().ownSession().classPath(Arrays.asList(cp.split(File.pathSeparator)))
            .main(MAIN, all.toArray(String[]::new)).processBuilder();
        final Process process;
        try
        {
            PrivateFiles.createDirectories(log.getParent());
            Files.deleteIfExists(log);
            PrivateFiles.ensureFile(log);
            pb.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                log.toFile())).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().put("CELL_HOME", cellHome.toString());
            pb.environment().putAll(env);
            process = pb.start();
            PrivateFiles.writeAtomically(pidFile(dir), "registry.pid.tmp", process.pid() + "\n" + started(
                process.toHandle()) + "\n");
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot start the registry replica in " + dir + ": " + ex.getMessage(), ex);
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final Matcher ready = READY.matcher(read(log));
            if (ready.find())
            {
                out.println("registry replica of " + dir + ": " + ready.group() + ", pid " + process.pid() + " (log " +
                    log + "); `cell registry stop " + dir + "` stops it");
                out.flush();
                return Integer.parseInt(ready.group(1));
            }
            if (!process.isAlive())
            {
                throw new UserError("the registry replica exited with code " + process.exitValue() + ":\n" +
                    MavenBuild.tail(log));
            }
            if (System.nanoTime() - deadline > 0)
            {
                process.destroy();
                throw new UserError("the registry replica was not ready within " + Durations.human(timeout) +
                    "; its output:\n" + MavenBuild.tail(log));
            }
            LockSupport.parkNanos(50_000_000L);
        }
    }

    /**
     * The options every command that starts a replica has.
     */
    static final class Launch
    {
        @Option(names = "--offline", description = "Resolve the replica's class path from the local Maven " +
            "repository only.")
        boolean offline;

        @Option(names = "--timeout", description = "How long it may take to be ready (default 90s).")
        String timeout = "90s";
    }

    /**
     * @param dir a registry folder.
     * @return its replica's process, when its pid file names a live process started when the replica was.
     */
    static Optional<ProcessHandle> running(final Path dir)
    {
        try
        {
            final List<String> lines = Files.readAllLines(pidFile(dir));
            final long pid = Long.parseLong(lines.getFirst().strip());
            // The start time too: a pid the OS gave to another process since is not this replica.
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> lines.size() > 1 && started(p).equals(lines.get(1).strip()));
        }
        catch (final IOException | RuntimeException absent)
        {
            return Optional.empty();
        }
    }

    private static String started(final ProcessHandle p)
    {
        return p.info().startInstant().map(Object::toString).orElse("?");
    }

    private static Path pidFile(final Path dir)
    {
        return dir.resolve(".cell").resolve("registry.pid");
    }

    private static String read(final Path log)
    {
        try
        {
            return Files.readString(log);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    /**
     * {@code cell registry serve [dir] --slot N}: run this host's member of a registry group (a folder that
     * {@code RegistryHost.define} or a {@code cell join} filled), detached.
     */
    @Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = {"Run this host's registry replica in the background (its own process, with Ratis and " +
            "RocksDB resolved by Maven), and return once it is ready.",
            "<dir> holds the group (defined, copied, or filled by `cell join`); --slot is this host's member."})
    static final class Serve implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "<dir>", description = "The registry folder; " +
            "default: $CELL_HOME/registry-replica.")
        private Path dir;

        @Option(names = "--slot", required = true, description = "This host's slot in the group.")
        private int slot;

        @Option(names = "--join-listen", paramLabel = "<host:port>", description = "Also serve joins of new hosts " +
            "there (`cell registry invite` prints their tokens).")
        private String joinListen;

        @picocli.CommandLine.Mixin
        private Launch launch;

        @Override
        public Integer call()
        {
            final Path home = CellHome.resolve();
            final Path folder = folder(dir, home);
            final List<String> args = new ArrayList<>(List.of("--slot", Integer.toString(slot)));
            if (joinListen != null)
            {
                args.addAll(List.of("--join-listen", joinListen));
            }
            start(folder, home, args, Map.of(), launch, spec.commandLine().getOut());
            return CellCommand.EXIT_OK;
        }
    }

    /**
     * {@code cell registry stop [dir]}: stop this host's replica (a clean stop: SIGTERM, then its shutdown).
     */
    @Command(
        name = "stop",
        mixinStandardHelpOptions = true,
        versionProvider = CellVersion.class,
        description = "Stop this host's registry replica started by `cell join` or `cell registry serve`.")
    static final class Stop implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", arity = "0..1", paramLabel = "<dir>", description = "The registry folder; " +
            "default: $CELL_HOME/registry-replica.")
        private Path dir;

        @Override
        public Integer call() throws InterruptedException
        {
            final Path folder = folder(dir, CellHome.resolve());
            final ProcessHandle p = running(folder).orElseThrow(() -> new UserError("no registry replica of " +
                folder + " runs here"));
            p.destroy();
            try
            {
                p.onExit().get(20, TimeUnit.SECONDS);
            }
            catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
            {
                p.destroyForcibly();
            }
            spec.commandLine().getOut().println("registry replica of " + folder + " stopped (pid " + p.pid() + ")");
            spec.commandLine().getOut().flush();
            return CellCommand.EXIT_OK;
        }
    }
}
