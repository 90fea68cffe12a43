package dev.cell.tissue.config;

import dev.cell.runtime.trace.TraceIds;
import dev.cell.runtime.trace.TraceMode;
import dev.cell.runtime.trace.TraceOptions;
import org.tomlj.TomlTable;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * How a cell's calls are traced ({@code [observe]}):
 * <pre>
 * [observe]
 * trace = "sampled"               # span records: "sampled" (default: traces their caller sampled), "all", "off"
 * sample = 0.01                   # share of the traces the cell's instances start that are sampled (default 0.01)
 * otlp = "http://127.0.0.1:4318"  # also export spans to an OpenTelemetry collector, OTLP/HTTP JSON (default: none)
 * </pre>
 * Trace ids travel with every call and are written on every log line of a call whatever these say; {@code trace}
 * decides only which requests also leave a span record (a log line of event {@code span}, and the export). A trace
 * is sampled where it starts: by {@code sample} in the instance that starts it (a call made outside any handler),
 * always by {@code cell call}; the cells it reaches follow that decision.
 * <p>
 * Any folder's {@code cell.toml} may have {@code [observe]}: a cell takes each key from its own table, else from
 * the nearest folder above it that sets it, so the tissue's {@code [observe]} applies to every cell below it. A
 * folder listed by two parents inherits from the first that lists it.
 *
 * @param trace  which requests get a span record, or null when not set here or above.
 * @param sample the sample rate of the traces its instances start, or null when not set.
 * @param otlp   the collector's URL, or null when not set.
 * @since 0.4
 */
public record ObserveConfig(TraceMode trace, Double sample, URI otlp)
{
    /**
     * Nothing set: the runtime's defaults (sampled traces, 1% of new traces sampled, no export).
     */
    public static final ObserveConfig NONE = new ObserveConfig(null, null, null);

    private static final Set<String> KEYS = Set.of("trace", "sample", "otlp");

    /**
     * @param toml a parsed {@code cell.toml}.
     * @param file its path, for errors.
     * @return its own {@code [observe]}, keys not set left null.
     * @throws ConfigError naming the file and line at fault.
     */
    static ObserveConfig read(final TomlTable toml, final Path file)
    {
        final TomlTable observe = CellToml.table(toml, "observe", file);
        if (observe == null)
        {
            return NONE;
        }
        CellToml.checkKeys(observe, KEYS, file, "observe.");
        TraceMode trace = null;
        final Object t = observe.get(List.of("trace"));
        if (t != null)
        {
            try
            {
                trace = TraceMode.parse(t instanceof String s ? s : "?");
            }
            catch (final IllegalArgumentException ex)
            {
                throw CellToml.error(file, observe, "trace", file + ": observe.trace = " + CellToml.render(t) +
                    " is not a trace mode; use \"sampled\" (default: record spans of the traces their caller " +
                    "sampled), \"all\" (a span record per call) or \"off\"" + CellToml.at(observe, "trace"));
            }
        }
        Double sample = null;
        final Object r = observe.get(List.of("sample"));
        if (r != null)
        {
            final double rate = r instanceof Double d ? d : r instanceof Long l ? l : Double.NaN;
            if (!(rate >= 0 && rate <= 1))
            {
                throw CellToml.error(file, observe, "sample", file + ": observe.sample = " + CellToml.render(r) +
                    " must be a number from 0 to 1, the share of new traces that are sampled (e.g. 0.01 for 1%)" +
                    CellToml.at(observe, "sample"));
            }
            sample = rate;
        }
        URI otlp = null;
        final Object o = observe.get(List.of("otlp"));
        if (o != null)
        {
            final String why = o instanceof String s ? otlpProblem(s) : "not a string";
            if (why != null)
            {
                throw CellToml.error(file, observe, "otlp", file + ": observe.otlp = " + CellToml.render(o) + ": " +
                    why + "; give the collector's OTLP/HTTP address, e.g. otlp = \"http://127.0.0.1:4318\" (spans " +
                    "are posted to /v1/traces)" + CellToml.at(observe, "otlp"));
            }
            otlp = URI.create(((String)o).trim());
        }
        return new ObserveConfig(trace, sample, otlp);
    }

    private static String otlpProblem(final String s)
    {
        try
        {
            final TraceOptions options = TraceOptions.parse(null, s);
            if (options.otlp() == null)
            {
                return "empty";
            }
            if (options.otlp().getHost() == null)
            {
                return "no host";
            }
            return null;
        }
        catch (final IllegalArgumentException ex)
        {
            return ex.getMessage();
        }
    }

    /**
     * @param above what the folders above set.
     * @return this, each key not set here taken from {@code above}.
     */
    public ObserveConfig under(final ObserveConfig above)
    {
        return new ObserveConfig(trace != null ? trace : above.trace, sample != null ? sample : above.sample,
            otlp != null ? otlp : above.otlp);
    }

    /**
     * @return which requests get a span record (the default when not set).
     */
    public TraceMode traceMode()
    {
        return trace == null ? TraceMode.SAMPLED : trace;
    }

    /**
     * @return the sample rate of new traces (the default when not set).
     */
    public double sampleRate()
    {
        return sample == null ? TraceIds.DEFAULT_SAMPLE_RATE : sample;
    }

    /**
     * @return the instance's arguments for what is set: {@code --trace}, {@code --trace-sample}, {@code --otlp}.
     */
    public List<String> instanceArgs()
    {
        final List<String> args = new ArrayList<>();
        if (trace != null)
        {
            args.addAll(List.of("--trace", trace.text()));
        }
        if (sample != null)
        {
            args.addAll(List.of("--trace-sample", Double.toString(sample)));
        }
        if (otlp != null)
        {
            args.addAll(List.of("--otlp", otlp.toString()));
        }
        return args;
    }
}
