package dev.cell.runtime.trace;

import dev.cell.runtime.genome.Json;
import dev.cell.runtime.log.CellLog;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends spans to an OpenTelemetry collector with OTLP over HTTP, JSON encoding ({@code POST <endpoint>/v1/traces},
 * {@code Content-Type: application/json}): one {@code ExportTraceServiceRequest} per batch, the instance as the
 * resource ({@code service.name} = the cell, {@code service.instance.id} = the instance), each request a
 * {@code SERVER} span named {@code <cell>/<handler>} with the RPC attributes ({@code rpc.system = "cell"},
 * {@code rpc.service}, {@code rpc.method}) and {@code cell.outcome}; any outcome but {@code ok} sets the status to
 * error. Ids are hex strings and times decimal strings of epoch nanoseconds, as OTLP/JSON has them.
 * <p>
 * A {@link SpanRecorder.Sink}: runs on the recorder's writer thread, never on the serving thread. A batch is sent
 * at 256 spans or a second after its first span, whichever comes first, and at close; it is posted without waiting
 * for the answer, one post at a time (spans batch meanwhile, up to 1,024), so a slow or absent collector never holds
 * the writer thread the log also depends on. A failed post, or a batch past that bound, is lost to the collector
 * (the spans stay in the instance's log) and logged as {@code trace.otlp.failed} at most once a minute.
 *
 * @since 0.4
 */
public final class OtlpExporter implements SpanRecorder.Sink
{
    private static final int BATCH = 256;
    private static final long BATCH_DELAY_NS = 1_000_000_000L;
    private static final long FAILURE_REPORT_NS = 60_000_000_000L;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final int MAX_PENDING = 4 * BATCH;

    private final URI endpoint;
    private final String cell;
    private final CellLog log;
    private final String resourcePrefix;
    private final StringBuilder spans = new StringBuilder(64 * 1024);
    private HttpClient client;
    private int batched;
    private long firstBatchedNs;
    private long lost;
    private long lastFailureReportNs;
    private boolean reportedOnce;
    private CompletableFuture<HttpResponse<Void>> inFlight;
    private int inFlightCount;

    /**
     * @param collector the collector's base URL ({@code http://host:4318}), or its full {@code /v1/traces} URL.
     * @param cell      the cell's name.
     * @param instance  the instance id.
     * @param log       where failures are reported.
     */
    public OtlpExporter(final URI collector, final String cell, final String instance, final CellLog log)
    {
        this.endpoint = tracesUrl(collector);
        this.cell = cell;
        this.log = log;
        final StringBuilder sb = new StringBuilder(256);
        sb.append("{\"resourceSpans\":[{\"resource\":{\"attributes\":[");
        attribute(sb, "service.name", cell);
        sb.append(',');
        attribute(sb, "service.instance.id", instance);
        sb.append(',');
        attribute(sb, "telemetry.sdk.name", "cell");
        sb.append("]},\"scopeSpans\":[{\"scope\":{\"name\":\"dev.cell.runtime\"},\"spans\":[");
        this.resourcePrefix = sb.toString();
    }

    /**
     * @param collector a collector's base URL or its traces URL.
     * @return where spans are posted: the URL itself when it ends in {@code /v1/traces}, else that path appended.
     */
    public static URI tracesUrl(final URI collector)
    {
        final String s = collector.toString();
        if (s.endsWith("/v1/traces"))
        {
            return collector;
        }
        return URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + "/v1/traces");
    }

    /**
     * @return where spans are posted.
     */
    public URI endpoint()
    {
        return endpoint;
    }

    @Override
    public void span(
        final long traceIdHigh,
        final long traceIdLow,
        final long spanId,
        final long parentSpanId,
        final String handler,
        final long startEpochNs,
        final long durationNs,
        final int outcome)
    {
        if (batched > 0)
        {
            spans.append(',');
        }
        else
        {
            firstBatchedNs = System.nanoTime();
        }
        spans.append("{\"traceId\":\"").append(TraceContext.traceIdHex(traceIdHigh, traceIdLow))
            .append("\",\"spanId\":\"").append(TraceContext.spanIdHex(spanId)).append('"');
        if (parentSpanId != 0)
        {
            spans.append(",\"parentSpanId\":\"").append(TraceContext.spanIdHex(parentSpanId)).append('"');
        }
        spans.append(",\"name\":");
        Json.quote(spans, cell + "/" + handler);
        spans.append(",\"kind\":2,\"startTimeUnixNano\":\"").append(startEpochNs)
            .append("\",\"endTimeUnixNano\":\"").append(startEpochNs + durationNs).append("\",\"attributes\":[");
        attribute(spans, "rpc.system", "cell");
        spans.append(',');
        attribute(spans, "rpc.service", cell);
        spans.append(',');
        attribute(spans, "rpc.method", handler);
        spans.append(',');
        attribute(spans, "cell.outcome", SpanRecorder.outcomeName(outcome));
        spans.append(']');
        if (outcome != SpanRecorder.OK)
        {
            spans.append(",\"status\":{\"code\":2,\"message\":");
            Json.quote(spans, SpanRecorder.outcomeName(outcome));
            spans.append('}');
        }
        spans.append('}');
        if (++batched >= BATCH)
        {
            send();
        }
    }

    @Override
    public void idle(final long nowNs)
    {
        settle(false);
        if (batched > 0 && nowNs - firstBatchedNs >= BATCH_DELAY_NS)
        {
            send();
        }
    }

    @Override
    public void close()
    {
        settle(true);
        if (batched > 0)
        {
            send();
            settle(true);
        }
    }

    /**
     * Post the batch without waiting for the answer: one post at a time, so a slow or absent collector never holds
     * the writer thread (which also feeds the log). While one is on its way, spans keep batching up to
     * {@link #MAX_PENDING}; past that the batch is dropped and counted as lost.
     */
    private void send()
    {
        settle(false);
        if (inFlight != null)
        {
            if (batched >= MAX_PENDING)
            {
                failed(batched, "the collector has not answered the previous post");
                spans.setLength(0);
                batched = 0;
            }
            return;
        }
        final String body = resourcePrefix + spans + "]}]}]}";
        inFlightCount = batched;
        spans.setLength(0);
        batched = 0;
        try
        {
            if (client == null)
            {
                client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            }
            final HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
            inFlight = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        }
        catch (final RuntimeException ex)
        {
            failed(inFlightCount, ex.toString());
        }
    }

    /**
     * Take the answer to the post on its way once it came (or, when {@code wait}, within the timeout).
     */
    private void settle(final boolean wait)
    {
        final CompletableFuture<HttpResponse<Void>> f = inFlight;
        if (f == null || !wait && !f.isDone())
        {
            return;
        }
        inFlight = null;
        String problem;
        try
        {
            final HttpResponse<Void> response = f.get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            problem = response.statusCode() / 100 == 2 ? null : "HTTP " + response.statusCode();
        }
        catch (final ExecutionException ex)
        {
            problem = String.valueOf(ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            f.cancel(true);
            problem = "no answer within " + TIMEOUT.toMillis() + " ms";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        if (problem != null)
        {
            failed(inFlightCount, problem);
        }
    }

    private void failed(final int count, final String problem)
    {
        lost += count;
        final long nowNs = System.nanoTime();
        if (!reportedOnce || nowNs - lastFailureReportNs >= FAILURE_REPORT_NS)
        {
            reportedOnce = true;
            lastFailureReportNs = nowNs;
            log.warn("trace.otlp.failed", "endpoint", endpoint.toString(), "error", problem, "lostSpans", lost);
        }
    }

    private static void attribute(final StringBuilder sb, final String key, final String value)
    {
        sb.append("{\"key\":");
        Json.quote(sb, key);
        sb.append(",\"value\":{\"stringValue\":");
        Json.quote(sb, value == null ? "" : value);
        sb.append("}}");
    }
}
