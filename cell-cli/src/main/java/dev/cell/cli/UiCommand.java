package dev.cell.cli;

import dev.cell.runtime.client.CellHome;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.Durations;
import dev.cell.tissue.config.TissueTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code cell ui [dir]}: a web page of a running tissue, served by this command's own process (the supervisor is
 * left as it is): its tree, each cell's and instance's state and restarts, live calls/s, errors/s, p50 and p99, and
 * recent exits, restarts and errors, updated in place through Server-Sent Events. One thread samples the tissue
 * every {@code --interval} ({@link TissueView}); {@link UiServer} serves the page and the samples.
 *
 * @since 0.1
 */
@Command(
    name = "ui",
    mixinStandardHelpOptions = true,
    versionProvider = CellVersion.class,
    description = {
        "Serve a web page of a tissue: its tree, each cell's and instance's state (starting, serving, restarting, " +
            "hung, dormant, failed, stopped) and restarts, calls/s, errors/s, p50 and p99 service time, and recent " +
            "exits, restarts and errors; it updates itself (Server-Sent Events), no reload needed.",
        "Read-only, on the loopback interface unless --bind says otherwise; prints the page's address and runs " +
            "until stopped (Ctrl-C). /api/status serves the same view as JSON."
    })
final class UiCommand implements Callable<Integer>
{
    /**
     * The port used unless {@code --port} says otherwise.
     */
    static final int DEFAULT_PORT = 7480;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<dir>", defaultValue = ".",
        description = "Tissue or cell folder (default: the current folder).")
    private Path dir;

    @Option(names = "--port", defaultValue = "" + DEFAULT_PORT, paramLabel = "<port>",
        description = "Port to listen on (default: ${DEFAULT-VALUE}; 0: any free port).")
    private int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "<address>",
        description = "Address to listen on (default: ${DEFAULT-VALUE}, this host only).")
    private String bind;

    @Option(names = "--interval", defaultValue = "500ms", paramLabel = "<duration>",
        description = "How often the tissue is sampled and the page updated (default: ${DEFAULT-VALUE}).")
    private String interval;

    @Option(names = "--window", defaultValue = "5s", paramLabel = "<duration>",
        description = "How far back calls/s, errors/s, p50 and p99 reach (default: ${DEFAULT-VALUE}).")
    private String window;

    @Override
    public Integer call()
    {
        final PrintWriter out = spec.commandLine().getOut();
        final TissueTree tree = TissueTree.load(dir);
        final InetAddress address = address(bind);
        if (port < 0 || port > 65_535)
        {
            throw new UserError("--port " + port + " is not a port (0 to 65535)");
        }
        final Running running = start(tree, CellHome.resolve(), address, port,
            Durations.parse(interval, "--interval"), Durations.parse(window, "--window"));
        if (!address.isLoopbackAddress())
        {
            out.println("warning: listening on " + address.getHostAddress() + ": anyone who can reach this port " +
                "can read the tissue's state (the page is read-only and has no login)");
        }
        out.println("cell ui: " + running.url() + "  (tissue " + tree.name() + ", " + tree.root().dir() +
            "; updated every " + running.every().toMillis() + " ms; Ctrl-C stops)");
        out.flush();
        while (true)
        {
            LockSupport.park(this);
        }
    }

    /**
     * A web view being served.
     */
    static final class Running implements AutoCloseable
    {
        private final UiServer server;
        private final Thread sampler;
        private final Duration every;
        private volatile boolean stopped;

        private Running(final UiServer server, final TissueView view, final Duration every)
        {
            this.server = server;
            this.every = every;
            server.publish(Json.write(view.sample()));
            this.sampler = Thread.ofPlatform().daemon(true).name("cell-ui-sampler").start(() -> loop(view));
        }

        private void loop(final TissueView view)
        {
            long next = System.nanoTime() + every.toNanos();
            while (!stopped)
            {
                LockSupport.parkNanos(next - System.nanoTime());
                if (stopped)
                {
                    return;
                }
                next += every.toNanos();
                if (next - System.nanoTime() < 0)
                {
                    next = System.nanoTime() + every.toNanos(); // fell behind (a slow sample): do not catch up
                }
                try
                {
                    server.publish(Json.write(view.sample()));
                }
                catch (final RuntimeException ex)
                {
                    // One bad reading (a file replaced under us) must not end the page; the next sample retries.
                }
            }
        }

        /**
         * @return the page's address.
         */
        String url()
        {
            return server.url();
        }

        /**
         * @return the sampling interval.
         */
        Duration every()
        {
            return every;
        }

        @Override
        public void close()
        {
            stopped = true;
            LockSupport.unpark(sampler);
            server.close();
        }
    }

    /**
     * Start serving a tissue's page.
     *
     * @param tree     the tissue.
     * @param cellHome the cell home its instances register under.
     * @param bind     the address to listen on.
     * @param port     the port, 0 for any free one.
     * @param every    the sampling interval.
     * @param window   how far back rates and percentiles reach.
     * @return the running page; close it to stop.
     */
    static Running start(final TissueTree tree, final Path cellHome, final InetAddress bind, final int port,
        final Duration every, final Duration window)
    {
        if (every.toMillis() < 50)
        {
            throw new UserError("--interval " + every.toMillis() + "ms is too short (at least 50ms)");
        }
        final UiServer server;
        try
        {
            server = new UiServer(bind, port);
        }
        catch (final IOException ex)
        {
            throw new UserError("cannot listen on " + bind.getHostAddress() + ":" + port + " (" + ex.getMessage() +
                "); choose another with --port, or --port 0 for any free one", ex);
        }
        try
        {
            return new Running(server, new TissueView(tree, cellHome, window.compareTo(every) < 0 ? every : window),
                every);
        }
        catch (final RuntimeException ex)
        {
            server.close();
            throw ex;
        }
    }

    private static InetAddress address(final String bind)
    {
        try
        {
            return InetAddress.getByName(bind);
        }
        catch (final UnknownHostException ex)
        {
            throw new UserError("--bind " + bind + " is not an address of this host", ex);
        }
    }
}
