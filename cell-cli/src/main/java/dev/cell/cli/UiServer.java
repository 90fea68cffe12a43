package dev.cell.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The HTTP side of {@code cell ui}, on the JDK's own server ({@code com.sun.net.httpserver}): the page
 * ({@code /}, {@code /app.js}, {@code /style.css}, plain files from this jar's {@code dev/cell/cli/ui/}), the latest
 * view as JSON ({@code /api/status}) and the same view pushed as Server-Sent Events ({@code /api/events}: one
 * {@code data:} line of JSON per sample, a comment every {@value #KEEP_ALIVE_MS} ms while nothing changes).
 * <p>
 * Read-only: nothing on it changes the tissue. A request whose {@code Host} is not this server's address or
 * {@code localhost} is refused (403), so a web page from elsewhere that rebinds its name to the loopback address
 * cannot read the view; only {@code GET} and {@code HEAD} are answered; at most {@value #MAX_STREAMS} event streams
 * are served at once.
 */
final class UiServer implements AutoCloseable
{
    /**
     * Event streams served at once; more are answered 503.
     */
    static final int MAX_STREAMS = 32;

    /**
     * How often an idle event stream gets a comment line, so that a dead client is noticed.
     */
    static final long KEEP_ALIVE_MS = 15_000;

    private static final String RESOURCES = "/dev/cell/cli/ui/";
    private static final Map<String, String> FILES = Map.of(
        "/", "index.html",
        "/index.html", "index.html",
        "/app.js", "app.js",
        "/style.css", "style.css");

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore streams = new Semaphore(MAX_STREAMS);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition published = lock.newCondition();
    private final boolean anyHost;
    private volatile boolean closed;
    private long version;
    private String json = "{}";

    /**
     * Bind and start serving.
     *
     * @param bind the address to listen on.
     * @param port the port, 0 for any free one.
     * @throws IOException when it cannot bind.
     */
    UiServer(final InetAddress bind, final int port) throws IOException
    {
        this.anyHost = bind.isAnyLocalAddress();
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * @return the port it listens on.
     */
    int port()
    {
        return server.getAddress().getPort();
    }

    /**
     * @return the page's address.
     */
    String url()
    {
        final InetAddress a = server.getAddress().getAddress();
        final String host = a.isAnyLocalAddress() ? "127.0.0.1" : a instanceof java.net.Inet6Address ?
            "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return "http://" + host + ":" + port() + "/";
    }

    /**
     * Make a new view the one served, and wake the event streams.
     *
     * @param viewJson the view as JSON, one line.
     */
    void publish(final String viewJson)
    {
        lock.lock();
        try
        {
            json = viewJson;
            version++;
            published.signalAll();
        }
        finally
        {
            lock.unlock();
        }
    }

    private void handle(final HttpExchange exchange) throws IOException
    {
        try (exchange)
        {
            final String method = exchange.getRequestMethod();
            final String path = exchange.getRequestURI().getPath();
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            if (!allowedHost(exchange.getRequestHeaders().getFirst("Host")))
            {
                send(exchange, 403, "text/plain", "refused: Host is not this server's address\n");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD"))
            {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain", "only GET and HEAD\n");
                return;
            }
            switch (path)
            {
                case "/api/status" -> send(exchange, 200, "application/json", current());
                case "/api/events" -> stream(exchange);
                default ->
                {
                    final String file = FILES.get(path);
                    if (file == null)
                    {
                        send(exchange, 404, "text/plain", "not found: " + path + "\n");
                    }
                    else
                    {
                        serveFile(exchange, file);
                    }
                }
            }
        }
    }

    /**
     * @param host a request's {@code Host} header.
     * @return whether it names this server: its own address, {@code localhost} or a loopback address (any name
     * when it listens on every address).
     */
    boolean allowedHost(final String host)
    {
        if (host == null)
        {
            return false;
        }
        if (anyHost)
        {
            return true;
        }
        final String name = host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        final InetAddress a = server.getAddress().getAddress();
        final String own = a.getHostAddress();
        return name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]") ||
            name.equals(own) || name.equals("[" + own + "]");
    }

    private String current()
    {
        lock.lock();
        try
        {
            return json;
        }
        finally
        {
            lock.unlock();
        }
    }

    private void stream(final HttpExchange exchange) throws IOException
    {
        if (!streams.tryAcquire())
        {
            send(exchange, 503, "text/plain", "too many event streams\n");
            return;
        }
        try
        {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (exchange.getRequestMethod().equals("HEAD"))
            {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, 0);
            final OutputStream out = exchange.getResponseBody();
            out.write(("retry: 1000\n\n").getBytes(StandardCharsets.UTF_8));
            long sent = -1;
            while (!closed)
            {
                final long v;
                final String body;
                lock.lock();
                try
                {
                    long waitNanos = TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_MS);
                    while (version == sent && !closed && waitNanos > 0)
                    {
                        waitNanos = published.awaitNanos(waitNanos);
                    }
                    v = version;
                    body = json;
                }
                finally
                {
                    lock.unlock();
                }
                if (v == sent)
                {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                }
                else
                {
                    out.write(("id: " + v + "\ndata: " + body + "\n\n").getBytes(StandardCharsets.UTF_8));
                    sent = v;
                }
                out.flush();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException ex)
        {
            // The page went away (closed, reloaded): its stream ends here.
        }
        finally
        {
            streams.release();
        }
    }

    private static void serveFile(final HttpExchange exchange, final String file) throws IOException
    {
        final byte[] body;
        try (InputStream in = UiServer.class.getResourceAsStream(RESOURCES + file))
        {
            if (in == null)
            {
                send(exchange, 500, "text/plain", "missing from the cell command's jar: " + file + "\n");
                return;
            }
            body = in.readAllBytes();
        }
        final String type = file.endsWith(".html") ? "text/html" : file.endsWith(".js") ? "text/javascript" :
            "text/css";
        if (file.endsWith(".html"))
        {
            // Everything comes from this server: no inline script, nothing fetched from elsewhere.
            exchange.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; " +
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
        }
        send(exchange, 200, type, body);
    }

    private static void send(final HttpExchange exchange, final int code, final String type, final String body)
        throws IOException
    {
        send(exchange, code, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(final HttpExchange exchange, final int code, final String type, final byte[] body)
        throws IOException
    {
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        final boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head)
        {
            exchange.getResponseBody().write(body);
        }
    }

    @Override
    public void close()
    {
        closed = true;
        lock.lock();
        try
        {
            published.signalAll();
        }
        finally
        {
            lock.unlock();
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
