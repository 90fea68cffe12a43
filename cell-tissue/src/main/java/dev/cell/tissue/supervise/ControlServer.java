package dev.cell.tissue.supervise;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * A supervisor's control port: a TCP socket on the loopback interface, one command line per connection, each
 * ending with the secret token from the supervisor's entry {@code $CELL_HOME/supervisors/<tissue>-<pid>.json}
 * (created {@code 0600}: readable only by its owner): {@code status}, {@code restart <cell>}, {@code wake <cell>},
 * {@code stop-cell <cell>}, {@code scale <cell> <replicas> [<calling cell>]} (a cell's own control API, see
 * {@code CellContext.tissue()}), {@code spawn <dependency> <calling cell>} (a racing client whose producer is too
 * far, {@link Spawner}), {@code stop}. Any local process can connect, so nothing is trusted before the token
 * matches: the line is read with a bound ({@value #MAX_LINE} bytes) and a time limit ({@value #READ_TIMEOUT_MS} ms),
 * at most {@value #MAX_CONNECTIONS} connections are served at once, the token is compared in constant time, and a
 * wrong one is answered {@code error: refused} with no detail.
 * {@code cell status}, {@code cell restart}, {@code cell stop} and clients waking a dormant cell use it.
 *
 * @since 0.1
 */
public final class ControlServer implements AutoCloseable
{
    /**
     * Longest request line read, in bytes (a command, a cell name and the token need far less).
     */
    public static final int MAX_LINE = 4096;

    /**
     * How long a caller has to send its line, in milliseconds.
     */
    public static final int READ_TIMEOUT_MS = 2_000;

    /**
     * Connections served at once; more are answered "busy".
     */
    static final int MAX_CONNECTIONS = 16;

    private final TissueSupervisor supervisor;
    private final ServerSocket socket;
    private final String token;
    private final Path entry;
    private final Runnable onStop;
    private final byte[] tokenBytes;
    private final Semaphore connections = new Semaphore(MAX_CONNECTIONS);
    private volatile boolean closed;

    public ControlServer(final TissueSupervisor supervisor, final Path cellHome, final Runnable onStop)
        throws IOException
    {
        this.supervisor = supervisor;
        this.onStop = onStop;
        final byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        this.token = HexFormat.of().formatHex(secret);
        this.tokenBytes = token.getBytes(StandardCharsets.UTF_8);
        this.socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.entry = Supervisors.dir(cellHome).resolve(supervisor.tree().name() + "-" +
            ProcessHandle.current().pid() + ".json");
        Thread.ofPlatform().daemon(true).name("cell-control").start(this::acceptLoop);
    }

    /**
     * Write the supervisor's entry, so that commands find it: called once the tissue is up. It names the control
     * port and its token, the cells, and the scrape endpoint ({@code metrics}: {@code host:port}, empty without one).
     *
     * @throws IOException when it cannot be written.
     */
    public void publish() throws IOException
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("tissue", supervisor.tree().name());
        json.put("root", supervisor.tree().root().dir().toString());
        json.put("pid", ProcessHandle.current().pid());
        json.put("startEpochMs", ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L));
        json.put("port", (long)socket.getLocalPort());
        json.put("token", token);
        json.put("cells", supervisor.tree().cells().stream().map(n -> (Object)n.cell().name()).toList());
        json.put("metrics", supervisor.metricsAddress());
        PrivateFiles.write(entry, Json.write(json) + "\n");
    }

    public int port()
    {
        return socket.getLocalPort();
    }

    public String token()
    {
        return token;
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            try
            {
                final Socket s = socket.accept();
                Thread.ofVirtual().name("cell-control-conn").start(() -> serve(s));
            }
            catch (final IOException ex)
            {
                if (closed)
                {
                    return;
                }
            }
        }
    }

    private void serve(final Socket s)
    {
        try (s)
        {
            if (!connections.tryAcquire())
            {
                reply(s, "error: busy");
                return;
            }
            try
            {
                s.setSoTimeout(READ_TIMEOUT_MS);
                final long deadline = System.nanoTime() + READ_TIMEOUT_MS * 1_000_000L;
                final InputStream in = new BufferedInputStream(s.getInputStream(), 512);
                final String line = readLine(in, deadline);
                reply(s, line == null ? "error: refused" : handle(line.trim().split("\\s+")));
                if (line == null)
                {
                    // Let the refusal arrive: closing with unread input would reset the connection and lose it.
                    s.shutdownOutput();
                    s.setSoTimeout(200);
                    in.skip(16 * 1024);
                }
            }
            finally
            {
                connections.release();
            }
        }
        catch (final IOException ignore)
        {
            // The caller went away or was too slow; nothing to answer.
        }
    }

    private static void reply(final Socket s, final String reply) throws IOException
    {
        final OutputStream out = s.getOutputStream();
        out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Read one request line of at most {@link #MAX_LINE} bytes, before anything else is looked at (the token
     * included): a longer line, a line that does not arrive in time or a connection closed before its newline is
     * refused without reading further.
     *
     * @return the line, or null when it is refused.
     */
    public static String readLine(final InputStream in, final long deadlineNanos) throws IOException
    {
        final byte[] buf = new byte[MAX_LINE];
        int n = 0;
        while (true)
        {
            if (System.nanoTime() - deadlineNanos > 0)
            {
                return null;
            }
            final int b;
            try
            {
                b = in.read();
            }
            catch (final SocketTimeoutException ex)
            {
                return null;
            }
            if (b < 0)
            {
                return n == 0 ? null : new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            if (b == '\n')
            {
                return new String(buf, 0, n, StandardCharsets.UTF_8);
            }
            if (n == MAX_LINE)
            {
                return null;
            }
            buf[n++] = (byte)b;
        }
    }

    private String handle(final String[] words)
    {
        // One answer for every bad token, compared in constant time: nothing tells a guesser how close it was.
        if (words.length < 2 || !MessageDigest.isEqual(tokenBytes,
            words[words.length - 1].getBytes(StandardCharsets.UTF_8)))
        {
            return "error: refused";
        }
        try
        {
            return switch (words[0])
            {
                case "status" -> Json.write(supervisor.status());
                case "wake" -> words.length == 3 ? supervisor.wake(words[1]) : "error: wake <cell> <token>";
                case "restart" -> words.length == 3 ? "ok\n" + String.join("\n", supervisor.restart(words[1])) :
                    "error: restart <cell> <token>";
                case "stop-cell" -> words.length == 3 ? supervisor.stopCell(words[1]) :
                    "error: stop-cell <cell> <token>";
                case "scale" -> words.length == 4 || words.length == 5 ? supervisor.scale(
                    words.length == 5 ? words[3] : null, words[1], count(words[2])) :
                    "error: scale <cell> <replicas> [<calling cell>] <token>";
                case "spawn" -> words.length == 4 ? supervisor.spawn(words[2], words[1]) :
                    "error: spawn <dependency> <calling cell> <token>";
                case "stop" ->
                {
                    Thread.ofVirtual().start(() ->
                    {
                        onStop.run();
                        close();
                    });
                    yield "ok: stopping " + supervisor.tree().name();
                }
                default -> "error: unknown command " + words[0];
            };
        }
        catch (final UserError ex)
        {
            return "error: " + ex.getMessage();
        }
    }

    private static int count(final String word)
    {
        try
        {
            return Integer.parseInt(word);
        }
        catch (final NumberFormatException ex)
        {
            throw new UserError("replicas '" + word + "' is not a whole number");
        }
    }

    @Override
    public void close()
    {
        closed = true;
        try
        {
            socket.close();
        }
        catch (final IOException ignore)
        {
            // Closed already.
        }
        try
        {
            Files.deleteIfExists(entry);
        }
        catch (final IOException ignore)
        {
            // Removed by whoever lists the supervisors once this process is gone.
        }
    }

    public static List<String> commands()
    {
        return List.of("status", "wake", "restart", "stop");
    }
}
