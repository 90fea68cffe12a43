package dev.cell.runtime.log;

import dev.cell.ring.PrivateFiles;
import dev.cell.runtime.genome.Json;
import dev.cell.runtime.trace.TraceContext;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link CellLog} writing one JSON object per line to a file (appending) and, optionally, to stdout.
 * <p>
 * Line format (fields nested under {@code "fields"}, in the order given; {@code traceId} is the W3C trace id in
 * 32 hex digits and {@code spanId} the span in 16, both null when the entry belongs to no call):
 * <pre>{@code
 * {"ts":"2026-01-02T03:04:05.678901Z","level":"INFO","cell":"exchange","instance":"exchange-4711",
 *  "event":"instance.started","traceId":null,"spanId":null,"fields":{"pid":4711,"fingerprint":"9c0f..."}}
 * {"ts":"2026-01-02T03:04:06.001234Z","level":"WARN","cell":"exchange","instance":"exchange-4711",
 *  "event":"handler.failed","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",...}
 * }</pre>
 * Values are written with {@link Json#write(Object)} (strings, numbers, booleans, maps, lists); anything else as
 * its {@code toString()}. Thread safe; every line is flushed. Never used on a hot path. A write failure to the file
 * is reported once on stderr and the file is then skipped.
 *
 * @since 0.1
 */
public final class JsonLinesLog implements CellLog, AutoCloseable
{
    private final String cell;
    private final String instance;
    private final Level threshold;
    private final OutputStream file;
    private final PrintStream stdout;
    private final Path path;
    private boolean fileFailed;

    /**
     * @param cell     the cell's name.
     * @param instance the instance id.
     * @param path     the log file (parent folders are created), or null for none.
     * @param stdout   where to echo lines, or null.
     * @param threshold lowest level written.
     * @throws IOException when the file cannot be opened.
     */
    public JsonLinesLog(
        final String cell, final String instance, final Path path, final PrintStream stdout, final Level threshold)
        throws IOException
    {
        this.cell = cell;
        this.instance = instance;
        this.path = path;
        this.stdout = stdout;
        this.threshold = threshold;
        if (path != null)
        {
            if (path.getParent() != null)
            {
                PrivateFiles.createDirectories(path.getParent());
            }
            // Owner-only (0600) from creation: log lines name clients, junctions and handlers.
            this.file = PrivateFiles.append(path);
        }
        else
        {
            this.file = null;
        }
    }

    /**
     * The instance log: {@code <cellDir>/.cell/log/<instanceId>.log}, echoed to stdout when a console is attached
     * or {@code CELL_LOG_STDOUT=1}. Level from {@code cell.log.level} (INFO by default).
     *
     * @param cellDir    the cell's folder.
     * @param cell       the cell's name.
     * @param instanceId the instance id.
     * @return the log.
     * @throws IOException when the file cannot be opened.
     */
    public static JsonLinesLog forInstance(final Path cellDir, final String cell, final String instanceId)
        throws IOException
    {
        final boolean echo = System.console() != null || "1".equals(System.getenv("CELL_LOG_STDOUT"));
        final Level level = Level.valueOf(System.getProperty("cell.log.level", "INFO").toUpperCase(
            java.util.Locale.ROOT));
        return new JsonLinesLog(cell, instanceId, logFile(cellDir, instanceId), echo ? System.out : null, level);
    }

    /**
     * @param cellDir    the cell's folder.
     * @param instanceId the instance id.
     * @return where that instance logs.
     */
    public static Path logFile(final Path cellDir, final String instanceId)
    {
        return cellDir.resolve(".cell").resolve("log").resolve(instanceId + ".log");
    }

    /**
     * @return the log file, or null.
     */
    public Path path()
    {
        return path;
    }

    @Override
    public void log(
        final Level level,
        final String event,
        final long traceIdHigh,
        final long traceIdLow,
        final long spanId,
        final Object... fields)
    {
        if (!writes(level))
        {
            return;
        }
        final String line = format(Instant.now(), level, cell, instance, event, traceIdHigh, traceIdLow, spanId,
            fields);
        final byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        writeLines(bytes, bytes.length);
    }

    /**
     * @param level a level.
     * @return true when lines of that level are written.
     */
    public boolean writes(final Level level)
    {
        return level.ordinal() >= threshold.ordinal();
    }

    /**
     * Write whole lines, newlines included, to the file and the echo (allocates nothing).
     *
     * @param lines  UTF-8 bytes.
     * @param length how many.
     */
    public synchronized void writeLines(final byte[] lines, final int length)
    {
        if (file != null && !fileFailed)
        {
            try
            {
                file.write(lines, 0, length);
                file.flush();
            }
            catch (final IOException ex)
            {
                fileFailed = true;
                System.err.println("cell: cannot write log " + path + ": " + ex + "; logging to it stops");
            }
        }
        if (stdout != null)
        {
            stdout.write(lines, 0, length);
            stdout.flush();
        }
    }

    /**
     * @return a formatter of this log's span lines (for its span writer).
     */
    public SpanLines spanLines()
    {
        return new SpanLines(cell, instance);
    }

    /**
     * Format one line (without the newline).
     *
     * @param ts          the timestamp.
     * @param level       the level.
     * @param cell        the cell.
     * @param instance    the instance id.
     * @param event       the event name.
     * @param traceIdHigh the trace id's first 8 bytes; 0 and 0 for none.
     * @param traceIdLow  its last 8 bytes.
     * @param spanId      the span, 0 for none.
     * @param fields      alternating names and values.
     * @return the JSON line.
     */
    public static String format(
        final Instant ts,
        final Level level,
        final String cell,
        final String instance,
        final String event,
        final long traceIdHigh,
        final long traceIdLow,
        final long spanId,
        final Object... fields)
    {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("ts", ts.toString());
        root.put("level", level.name());
        root.put("cell", cell);
        root.put("instance", instance);
        root.put("event", event);
        final boolean traced = (traceIdHigh | traceIdLow) != 0;
        root.put("traceId", traced ? TraceContext.traceIdHex(traceIdHigh, traceIdLow) : null);
        root.put("spanId", traced && spanId != 0 ? TraceContext.spanIdHex(spanId) : null);
        final Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < fields.length; i += 2)
        {
            final String name = String.valueOf(fields[i]);
            final Object value = i + 1 < fields.length ? fields[i + 1] : null;
            f.put(name, jsonValue(value));
        }
        root.put("fields", f);
        return Json.write(root);
    }

    private static Object jsonValue(final Object value)
    {
        return switch (value)
        {
            case null -> null;
            case String s -> s;
            case Number n -> n;
            case Boolean b -> b;
            case Map<?, ?> m -> m;
            case java.util.List<?> l -> l;
            default -> value.toString();
        };
    }

    @Override
    public synchronized void close()
    {
        if (file != null)
        {
            try
            {
                file.close();
            }
            catch (final IOException ignore)
            {
                // Closing a log: nothing left to tell.
            }
        }
    }
}
