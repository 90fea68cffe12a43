package dev.cell.cli;

import dev.cell.runtime.log.CellLog.Level;
import dev.cell.runtime.log.JsonLinesLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell trace} over a tissue folder whose cells have logged spans of one call.
 */
@Timeout(30)
class TraceCommandTest
{
    private static final long HIGH = 0x0af7651916cd43ddL;
    private static final long LOW = 0x8448eb211c80319cL;

    @TempDir
    Path dir;

    @Test
    void printsTheCallTreeOfTheTissuesCellsAndRefusesUnknownIds() throws IOException
    {
        write("cell.toml", "[tissue]\nname = \"pair\"\n\n[cells]\nfront = { path = \"front\" }\n");
        write("front/cell.toml", "[cell]\nname = \"front\"\n\n[cells]\nback = { path = \"../back\" }\n");
        write("back/cell.toml", "[cell]\nname = \"back\"\n");
        final Instant t0 = Instant.parse("2026-03-04T05:06:07.100Z");
        write("front/.cell/log/front-10.log", JsonLinesLog.format(t0, Level.INFO, "front", "front-10", "span", HIGH,
            LOW, 0xa, "handler", "get", "parentSpanId", null, "start", t0.toString(), "durationUs", 1_250.5,
            "outcome", "ok") + "\n");
        write("back/.cell/log/back-11.log", JsonLinesLog.format(t0, Level.INFO, "back", "back-11", "span", HIGH,
            LOW, 0xb, "handler", "load", "parentSpanId", "000000000000000a", "start", t0.plusMillis(1).toString(),
            "durationUs", 700.0, "outcome", "failed") + "\n" + JsonLinesLog.format(t0, Level.WARN, "back",
            "back-11", "handler.failed", HIGH, LOW, 0xb, "error", "java.io.IOException") + "\n");

        final Cli tree = Cli.run("trace", "0af7651916cd43dd8448eb211c80319c", dir.toString());
        assertEquals(0, tree.code(), tree.toString());
        assertEquals("""
            trace 0af7651916cd43dd8448eb211c80319c: 2 spans in 2 cells, 1.251 ms
            front.get  front-10  1.251 ms  ok
            └─ back.load  back-11  0.700 ms  failed
            1 more log line(s) of this trace: --logs shows them
            """, tree.out());
        final Cli withLogs = Cli.run("trace", "0af76519", dir.toString(), "--logs");
        assertTrue(withLogs.out().contains("└─ back.load  back-11  0.700 ms  failed\n" +
            "      · 05:06:07.100 back-11 WARN handler.failed error=java.io.IOException\n"), withLogs.toString());

        final Cli unknown = Cli.run("trace", "feedfacefeedface", dir.toString());
        assertEquals(CellCommand.EXIT_USER_ERROR, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("no line of trace feedfacefeedface in 2 log file(s)"), unknown.toString());
    }

    private void write(final String name, final String text) throws IOException
    {
        final Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }
}
