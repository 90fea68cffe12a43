package dev.cell.tissue.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.cell.tissue.config.MetricsListen;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A tissue's Prometheus scrape endpoint: {@code GET /metrics} on the address of {@code [tissue] metrics}
 * ({@link MetricsListen}; loopback and any free port by default), answered in the Prometheus text format
 * ({@code text/plain; version=0.0.4}) by the Prometheus Java client's own writer over what the collector reads at
 * that moment. One scrape at a time (a single serving thread), so a burst of scrapes cannot multiply the work of
 * reading the instance files. Nothing of it runs in an instance: an instance only keeps its counters.
 *
 * @since 0.1
 */
public final class MetricsServer implements AutoCloseable
{
    /**
     * The scrape path.
     */
    public static final String PATH = "/metrics";

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    /**
     * Listen and serve.
     *
     * @param listen    where.
     * @param collector what each scrape reports.
     * @throws IOException when the address cannot be bound (in use, not an address of this host).
     */
    public MetricsServer(final MetricsListen listen, final MultiCollector collector) throws IOException
    {
        registry.register(collector);
        final InetAddress address = InetAddress.getByName(listen.host());
        this.server = HttpServer.create(new InetSocketAddress(address, listen.port()), 16);
        this.executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon(true)
            .name("cell-metrics").unstarted(r));
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String method = exchange.getRequestMethod();
            if (!PATH.equals(exchange.getRequestURI().getPath()))
            {
                reply(exchange, 404, "text/plain; charset=utf-8",
                    "not found: the metrics are at " + PATH + "\n", method);
                return;
            }
            if (!"GET".equals(method) && !"HEAD".equals(method))
            {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "use GET\n", method);
                return;
            }
            final ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
            try
            {
                writer.write(body, registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
            }
            catch (final RuntimeException | LinkageError ex)
            {
                reply(exchange, 500, "text/plain; charset=utf-8", "scrape failed: " + ex + "\n", method);
                return;
            }
            reply(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toByteArray(), method);
        }
    }

    private static void reply(final HttpExchange exchange, final int code, final String type, final String text,
        final String method) throws IOException
    {
        reply(exchange, code, type, text.getBytes(StandardCharsets.UTF_8), method);
    }

    private static void reply(final HttpExchange exchange, final int code, final String type, final byte[] body,
        final String method) throws IOException
    {
        exchange.getResponseHeaders().set("Content-Type", type);
        final boolean head = "HEAD".equals(method);
        exchange.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0)
        {
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        }
    }

    /**
     * @return the address it listens on, {@code host:port} (the port bound, also for port 0).
     */
    public String address()
    {
        final InetSocketAddress a = server.getAddress();
        final String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /**
     * @return the scrape URL.
     */
    public String url()
    {
        return "http://" + address() + PATH;
    }

    /**
     * Stop listening (a scrape in progress is given a moment to finish).
     */
    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
