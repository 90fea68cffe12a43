package dev.cell.cli;

import dev.cell.runtime.discovery.Dormancy;
import dev.cell.tissue.config.TissueTree;
import dev.cell.tissue.supervise.ControlServer;
import dev.cell.tissue.supervise.Supervisors;
import dev.cell.tissue.supervise.TissueSupervisor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The supervisor's control port refuses a wrong token without detail, bounds the line it reads before looking at
 * the token, and gives up on a caller that sends nothing; its entry with the token is created 0600.
 */
@Timeout(60)
class ControlServerTest
{
    @TempDir
    Path tmp;

    private TissueSupervisor supervisor;
    private ControlServer control;
    private Path home;

    @BeforeEach
    void setUp() throws Exception
    {
        home = tmp.resolve("home");
        final Path cellDir = ProbeBinding.cellFolder(Files.createDirectories(tmp.resolve("probe")), "");
        supervisor = new TissueSupervisor(TissueTree.load(cellDir), home, false, Duration.ofSeconds(5),
            new PrintWriter(new StringWriter()));
        control = new ControlServer(supervisor, home, () -> { });
        control.publish();
    }

    @AfterEach
    void tearDown()
    {
        control.close();
    }

    @Test
    void theRightTokenIsAnsweredAWrongOneRefusedWithoutDetail() throws Exception
    {
        final String status = Dormancy.request(control.port(), "status " + control.token());
        assertTrue(status.startsWith("{\"tissue\":\"probe\""), status);

        final String wrong = control.token().substring(0, 31) + (control.token().endsWith("0") ? "1" : "0");
        assertEquals("error: refused", Dormancy.request(control.port(), "status " + wrong));
        assertEquals("error: refused", Dormancy.request(control.port(), "stop"));
        assertEquals("error: refused", Dormancy.request(control.port(), "stop " + control.token() + "x"));
        assertTrue(Dormancy.request(control.port(), "status " + control.token()).startsWith("{"),
            "still serving after refusals");

        final Supervisors.Entry entry = Supervisors.live(home).getFirst();
        assertEquals(control.token(), entry.token());
        assertEquals("rw-------", PrivateFilesTest.perms(Files.list(Supervisors.dir(home))
            .filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow()));
    }

    @Test
    void anOverLongLineIsRefusedBeforeTheTokenIsRead() throws Exception
    {
        final String longLine = "status " + "x".repeat(ControlServer.MAX_LINE) + " " + control.token();
        assertEquals("error: refused", Dormancy.request(control.port(), longLine));

        // A caller that never ends its line gets the refusal after MAX_LINE bytes, not an unbounded read.
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), control.port()))
        {
            s.setSoTimeout(10_000);
            final OutputStream out = s.getOutputStream();
            final byte[] chunk = "y".repeat(1024).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 5; i++)
            {
                out.write(chunk);
            }
            out.flush();
            final String reply = new String(s.getInputStream().readNBytes(64), StandardCharsets.UTF_8);
            assertEquals("error: refused\n", reply);
        }

        // A caller that sends nothing is dropped after the read timeout.
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), control.port()))
        {
            s.setSoTimeout(ControlServer.READ_TIMEOUT_MS * 3);
            final long t0 = System.nanoTime();
            final String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("error: refused\n", reply);
            assertTrue(System.nanoTime() - t0 < ControlServer.READ_TIMEOUT_MS * 2_000_000L);
        }
        assertTrue(Dormancy.request(control.port(), "status " + control.token()).startsWith("{"));
    }

    @Test
    void readLineStopsAtTheBound() throws Exception
    {
        final long later = System.nanoTime() + 5_000_000_000L;
        assertEquals("ok", ControlServer.readLine(in("ok\nrest"), later));
        assertEquals("a".repeat(ControlServer.MAX_LINE), ControlServer.readLine(
            in("a".repeat(ControlServer.MAX_LINE) + "\n"), later));
        assertNull(ControlServer.readLine(in("a".repeat(ControlServer.MAX_LINE + 1) + "\n"), later));
        assertNull(ControlServer.readLine(in(""), later));
        assertNull(ControlServer.readLine(in("late\n"), System.nanoTime() - 1));
    }

    private static InputStream in(final String text)
    {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
