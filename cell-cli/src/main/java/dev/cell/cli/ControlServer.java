package dev.cell.cli;

import dev.cell.runtime.genome.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A supervisor's control port: a TCP socket on the loopback interface, one command line per connection, each
 * ending with the secret token from the supervisor's entry {@code $CELL_HOME/supervisors/<tissue>-<pid>.json}
 * (readable only by its owner): {@code status}, {@code restart <cell>}, {@code wake <cell>}, {@code stop}.
 * {@code cell status}, {@code cell restart}, {@code cell stop} and clients waking a dormant cell use it.
 *
 * @since 0.1
 */
public final class ControlServer implements AutoCloseable
{
    private final TissueSupervisor supervisor;
    private final ServerSocket socket;
    private final String token;
    private final Path entry;
    private final Runnable onStop;
    private final String entryJson;
    private volatile boolean closed;

    ControlServer(final TissueSupervisor supervisor, final Path cellHome, final Runnable onStop) throws IOException
    {
        this.supervisor = supervisor;
        this.onStop = onStop;
        final byte[] secret = new byte[16];
        new SecureRandom().nextBytes(secret);
        this.token = HexFormat.of().formatHex(secret);
        this.socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.entry = Supervisors.dir(cellHome).resolve(supervisor.tree().name() + "-" +
            ProcessHandle.current().pid() + ".json");
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("tissue", supervisor.tree().name());
        json.put("root", supervisor.tree().root().dir().toString());
        json.put("pid", ProcessHandle.current().pid());
        json.put("startEpochMs", ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli()).orElse(0L));
        json.put("port", (long)socket.getLocalPort());
        json.put("token", token);
        json.put("cells", supervisor.tree().cells().stream().map(n -> (Object)n.cell().name()).toList());
        this.entryJson = Json.write(json) + "\n";
        Thread.ofPlatform().daemon(true).name("cell-control").start(this::acceptLoop);
    }

    /**
     * Write the supervisor's entry, so that commands find it: called once the tissue is up.
     *
     * @throws IOException when it cannot be written.
     */
    void publish() throws IOException
    {
        Files.createDirectories(entry.getParent());
        final Path tmp = entry.resolveSibling(entry.getFileName() + ".tmp");
        Files.writeString(tmp, entryJson, StandardCharsets.UTF_8);
        try
        {
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
        catch (final UnsupportedOperationException ignore)
        {
            // Not a POSIX file system: the token is as private as the cell home.
        }
        Files.move(tmp, entry, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    int port()
    {
        return socket.getLocalPort();
    }

    String token()
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
            s.setSoTimeout(10_000);
            final BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                StandardCharsets.UTF_8));
            final String line = in.readLine();
            final String reply = line == null ? "error: empty request" : handle(line.trim().split("\\s+"));
            final OutputStream out = s.getOutputStream();
            out.write((reply + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        catch (final IOException ignore)
        {
            // The caller went away; nothing to answer.
        }
    }

    private String handle(final String[] words)
    {
        if (words.length < 2 || !token.equals(words[words.length - 1]))
        {
            return "error: bad token";
        }
        try
        {
            return switch (words[0])
            {
                case "status" -> Json.write(supervisor.status());
                case "wake" -> words.length == 3 ? supervisor.wake(words[1]) : "error: wake <cell> <token>";
                case "restart" -> words.length == 3 ? "ok\n" + String.join("\n", supervisor.restart(words[1])) :
                    "error: restart <cell> <token>";
                case "stop-cell" -> words.length == 3 ? supervisor.stopCell(words[1]) : "error: stop-cell <cell> <token>";
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

    static List<String> commands()
    {
        return List.of("status", "wake", "restart", "stop");
    }
}
