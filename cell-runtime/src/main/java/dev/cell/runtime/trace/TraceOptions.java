package dev.cell.runtime.trace;

import java.net.URI;
import java.util.Objects;

/**
 * How an instance records spans: which ({@link TraceMode}) and whether it also exports them to an OpenTelemetry
 * collector over OTLP/HTTP with JSON ({@link OtlpExporter}).
 *
 * @param mode which requests get a span record.
 * @param otlp the collector's base URL ({@code http://host:4318}; spans go to {@code /v1/traces}), or null for none.
 * @since 0.4
 */
public record TraceOptions(TraceMode mode, URI otlp)
{
    /**
     * Sampled traces only, no export.
     */
    public static final TraceOptions DEFAULT = new TraceOptions(TraceMode.SAMPLED, null);

    /**
     * Canonical constructor: checks the URL is http(s).
     */
    public TraceOptions
    {
        Objects.requireNonNull(mode, "mode");
        if (otlp != null && !("http".equals(otlp.getScheme()) || "https".equals(otlp.getScheme())))
        {
            throw new IllegalArgumentException("OTLP endpoint " + otlp + " is not an http:// or https:// URL");
        }
    }

    /**
     * @param mode {@code all}, {@code sampled} or {@code off}.
     * @param otlp a collector URL, or null or blank for none.
     * @return the options.
     * @throws IllegalArgumentException when either is not valid.
     */
    public static TraceOptions parse(final String mode, final String otlp)
    {
        URI uri = null;
        if (otlp != null && !otlp.isBlank())
        {
            try
            {
                uri = URI.create(otlp.trim());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("OTLP endpoint '" + otlp + "' is not a URL: " + ex.getMessage(), ex);
            }
        }
        return new TraceOptions(mode == null || mode.isBlank() ? TraceMode.SAMPLED : TraceMode.parse(mode), uri);
    }
}
