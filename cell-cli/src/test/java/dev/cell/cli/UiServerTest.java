package dev.cell.cli;

import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;
import dev.cell.tissue.config.TissueTree;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cell ui}'s server: the page and its two files with a content security policy that allows nothing from
 * elsewhere, the view as JSON, the view as Server-Sent Events (a new event per sample), and refusals: a foreign
 * {@code Host} (DNS rebinding), other methods, unknown paths, a port in use.
 */
@Timeout(60)
class UiServerTest
{
    @TempDir
    Path tmp;

    private UiCommand.Running ui;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void setUp() throws Exception
    {
        final Path dir = Files.createDirectories(tmp.resolve("exchange"));
        Files.writeString(dir.resolve("cell.toml"), "[cell]\nname = \"exchange\"\n");
        ui = UiCommand.start(TissueTree.load(dir), tmp.resolve("home"), InetAddress.getLoopbackAddress(), 0,
            Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    @AfterEach
    void tearDown()
    {
        ui.close();
        http.close();
    }

    @Test
    void servesThePageItsFilesAndTheViewAsJson() throws Exception
    {
        assertTrue(ui.url().matches("http://127\\.0\\.0\\.1:\\d+/"), ui.url());
        final HttpResponse<String> page = get("");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"),
            page.headers().toString());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").startsWith("default-src 'self'"),
            page.headers().toString());
        assertTrue(page.body().contains("<script src=\"app.js\" defer></script>"), page.body());
        assertTrue(page.body().contains("<div id=\"tree\"></div>"), page.body());

        final HttpResponse<String> js = get("app.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
        assertTrue(js.body().contains("new EventSource('/api/events')"), "copied unfiltered");
        assertEquals(200, get("style.css").statusCode());
        assertEquals(404, get("nothing-here").statusCode());

        final HttpResponse<String> status = get("api/status");
        assertEquals(200, status.statusCode());
        final Map<String, Object> view = Json.parseObject(status.body());
        assertEquals("exchange", view.get("tissue"));
        assertEquals(1000L, view.get("windowMs"));
        assertTrue(String.valueOf(view.get("cells")).contains("cell=exchange, state=stopped"), status.body());
    }

    @Test
    void theEventStreamSendsANewViewPerSample() throws Exception
    {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(ui.url() + "api/events"))
            .timeout(Duration.ofSeconds(10)).build();
        final HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8)))
        {
            long firstId = -1;
            int views = 0;
            String line;
            while (views < 2 && (line = in.readLine()) != null)
            {
                if (line.startsWith("id: "))
                {
                    final long id = Long.parseLong(line.substring(4));
                    firstId = firstId < 0 ? id : firstId;
                    assertTrue(views == 0 || id > firstId, "a later sample has a later id");
                }
                if (line.startsWith("data: "))
                {
                    assertEquals("exchange", Json.parseObject(line.substring(6)).get("tissue"));
                    views++;
                }
            }
            assertEquals(2, views);
        }
    }

    @Test
    void aForeignHostOtherMethodsAndABusyPortAreRefused() throws Exception
    {
        final int port = Integer.parseInt(ui.url().replaceAll(".*:(\\d+)/", "$1"));
        assertTrue(raw(port, "GET /api/status HTTP/1.1\r\nHost: attacker.example:" + port + "\r\n" +
            "Connection: close\r\n\r\n").startsWith("HTTP/1.1 403"), "a rebound name is refused");
        assertTrue(raw(port, "GET /api/status HTTP/1.1\r\nHost: localhost:" + port + "\r\n" +
            "Connection: close\r\n\r\n").startsWith("HTTP/1.1 200"));
        assertTrue(raw(port, "POST /api/status HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" +
            "Content-Length: 0\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 405"));

        final Path dir = tmp.resolve("exchange");
        final UserError busy = assertThrows(UserError.class, () -> UiCommand.start(TissueTree.load(dir),
            tmp.resolve("home"), InetAddress.getLoopbackAddress(), port, Duration.ofMillis(100),
            Duration.ofSeconds(1)));
        assertTrue(busy.getMessage().contains("--port 0 for any free one"), busy.getMessage());
    }

    @Test
    void theCommandIsListedAndRefusesBadOptionsBeforeItListens()
    {
        final Cli help = Cli.run("--help");
        assertTrue(help.out().contains("  ui "), help.toString());
        final Path dir = tmp.resolve("exchange");
        final Cli port = Cli.run("ui", dir.toString(), "--port", "70000");
        assertEquals(1, port.code(), port.toString());
        assertTrue(port.err().contains("--port 70000 is not a port (0 to 65535)"), port.toString());
        final Cli interval = Cli.run("ui", dir.toString(), "--port", "0", "--interval", "10ms");
        assertEquals(1, interval.code(), interval.toString());
        assertTrue(interval.err().contains("--interval 10ms is too short (at least 50ms)"), interval.toString());
        final Cli missing = Cli.run("ui", tmp.resolve("nowhere").toString());
        assertEquals(1, missing.code(), missing.toString());
        assertTrue(missing.err().contains("is not a folder"), missing.toString());
    }

    private HttpResponse<String> get(final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(ui.url() + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String raw(final int port, final String request) throws Exception
    {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port))
        {
            s.setSoTimeout(5_000);
            final OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
