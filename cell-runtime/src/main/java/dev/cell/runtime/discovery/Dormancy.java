package dev.cell.runtime.discovery;

import dev.cell.runtime.genome.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The wake-up path of dormant cells. When an instance stops itself after its idle timeout (apoptosis), the process
 * that supervises it (the {@code cell mitosis} that started its tissue) leaves a dormant entry
 * {@code $CELL_HOME/dormant/<cell>.json} naming its control port on the loopback interface and a secret token. A
 * client that finds no live instance of a cell but a dormant entry asks that supervisor to start one (one line:
 * {@code wake <cell> <token>}) and keeps polling the registry until its own connect deadline.
 *
 * @since 0.1
 */
public final class Dormancy
{
    private static final int SOCKET_TIMEOUT_MS = 2_000;

    private Dormancy()
    {
    }

    /**
     * @param cellHome the cell home.
     * @param cell     a cell.
     * @return its dormant entry's file.
     */
    public static Path file(final Path cellHome, final String cell)
    {
        return cellHome.resolve("dormant").resolve(cell + ".json");
    }

    /**
     * Ask the supervisor of a dormant cell to start an instance.
     *
     * @param cellHome the cell home.
     * @param cell     the cell.
     * @return null when a wake-up was requested, else why not (no dormant entry, supervisor unreachable).
     */
    public static String wake(final Path cellHome, final String cell)
    {
        final Path file = file(cellHome, cell);
        final Map<String, Object> entry;
        try
        {
            entry = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        }
        catch (final IOException | RuntimeException ex)
        {
            return "no dormant entry " + file;
        }
        if (!(entry.get("port") instanceof Long port) || !(entry.get("token") instanceof String token))
        {
            return "dormant entry " + file + " names no supervisor port";
        }
        try
        {
            final String reply = request(port.intValue(), "wake " + cell + " " + token);
            return reply.startsWith("ok") ? null : "supervisor answered: " + reply;
        }
        catch (final IOException ex)
        {
            return "the supervisor of dormant cell '" + cell + "' (port " + port + ") did not answer: " +
                ex.getMessage();
        }
    }

    /**
     * Send one command line to a supervisor's control port and read its one-line (or JSON) answer.
     *
     * @param port    the loopback port.
     * @param command the line, without its newline.
     * @return the answer (all lines until the supervisor closes).
     * @throws IOException when it cannot be reached.
     */
    public static String request(final int port, final String command) throws IOException
    {
        return request(port, command, SOCKET_TIMEOUT_MS * 30);
    }

    /**
     * As {@link #request(int, String)}, waiting longer for the answer (a spawn that clones and builds).
     *
     * @param port      the supervisor's control port.
     * @param command   the command line, its token included.
     * @param timeoutMs how long to wait for the answer.
     * @return the answer.
     * @throws IOException when the supervisor cannot be reached or does not answer in time.
     */
    public static String request(final int port, final String command, final int timeoutMs) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), SOCKET_TIMEOUT_MS);
            socket.setSoTimeout(timeoutMs);
            final OutputStream out = socket.getOutputStream();
            out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            final BufferedReader in = new BufferedReader(
                new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            final StringBuilder sb = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null)
            {
                if (!sb.isEmpty())
                {
                    sb.append('\n');
                }
                sb.append(line);
            }
            return sb.toString();
        }
    }
}
