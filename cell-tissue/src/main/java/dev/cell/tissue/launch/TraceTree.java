package dev.cell.tissue.launch;

import dev.cell.runtime.genome.Json;
import dev.cell.tissue.UserError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One trace rebuilt from instance logs (what {@code cell trace} prints): its span records (log lines of event
 * {@code span}) as a call tree by parent span id, and the other lines that carry its trace id.
 * <pre>
 * trace 4bf92f3577b34da6a3ce929d0e0e4736: 4 spans in 4 cells, 2.410 ms
 * storefront.buy  storefront-4711  2.410 ms  ok
 * └─ orders.place  orders-4720  1.903 ms  ok
 *    ├─ catalog.price  catalog-4730  0.212 ms  ok
 *    └─ ledger.post  ledger-4740  0.188 ms  ok
 * </pre>
 * Children are in the order they started. A span whose parent is in none of the logs read (its caller is outside
 * the tissue, or in a cell that records no spans) is a root, marked {@code (parent … not in these logs)}.
 *
 * @param traceId the trace id, 32 hex digits.
 * @param roots   the spans without a parent in these logs, in start order.
 * @param lines   every other line of the trace, in time order.
 * @since 0.4
 */
public record TraceTree(String traceId, List<Span> roots, List<Line> lines)
{
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{8,32}");
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT)
        .withZone(ZoneOffset.UTC);

    /**
     * One span record.
     *
     * @param cell         the cell.
     * @param instance     the instance that served it.
     * @param handler      the handler.
     * @param spanId       its id.
     * @param parentSpanId its caller's span, null for a root of the trace.
     * @param start        when it started (ISO-8601 instant, as written).
     * @param durationUs   how long it took.
     * @param outcome      {@code ok}, {@code error}, {@code failed}, ...
     * @param orphan       true when it has a parent that none of the logs holds.
     * @param children     the spans it called, in start order.
     */
    public record Span(String cell, String instance, String handler, String spanId, String parentSpanId,
        String start, double durationUs, String outcome, boolean orphan, List<Span> children)
    {
        /**
         * @return how many spans this subtree holds.
         */
        public int size()
        {
            int n = 1;
            for (final Span c : children)
            {
                n += c.size();
            }
            return n;
        }
    }

    /**
     * A log line of the trace that is not a span record.
     *
     * @param ts       its timestamp.
     * @param instance the instance that wrote it.
     * @param level    its level.
     * @param event    its event.
     * @param spanId   the span it was written in, or null.
     * @param fields   its fields.
     */
    public record Line(String ts, String instance, String level, String event, String spanId,
        Map<String, Object> fields)
    {
    }

    /**
     * @param cellDirs the folders of the cells whose logs to read ({@code <dir>/.cell/log/*.log}).
     * @return their log files.
     */
    public static List<Path> logFiles(final Collection<Path> cellDirs)
    {
        final List<Path> files = new ArrayList<>();
        for (final Path dir : cellDirs)
        {
            final Path logDir = Instances.logDir(dir);
            if (!Files.isDirectory(logDir))
            {
                continue;
            }
            try (Stream<Path> list = Files.list(logDir))
            {
                list.filter(p -> p.getFileName().toString().endsWith(".log") && Files.isRegularFile(p)).sorted()
                    .forEach(files::add);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot list " + logDir, ex);
            }
        }
        return files;
    }

    /**
     * Rebuild a trace from log files.
     *
     * @param id    the trace id, or a unique prefix of it (at least 8 hex digits).
     * @param files instance log files.
     * @return the trace.
     * @throws UserError when the id is not hex, names no trace in the files, or more than one.
     */
    @SuppressWarnings("unchecked")
    public static TraceTree read(final String id, final List<Path> files)
    {
        final String wanted = id.trim().toLowerCase(Locale.ROOT);
        if (!HEX.matcher(wanted).matches())
        {
            throw new UserError("'" + id + "' is not a trace id: give its 32 hex digits (or at least the first 8), " +
                "as log lines show it in \"traceId\" and `cell call --trace` prints it");
        }
        final TreeSet<String> matching = new TreeSet<>();
        final List<Map<String, Object>> entries = new ArrayList<>();
        for (final Path file : files)
        {
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8))
            {
                String text;
                while ((text = in.readLine()) != null)
                {
                    if (!text.contains("\"traceId\":\"" + wanted))
                    {
                        continue;
                    }
                    final Map<String, Object> entry;
                    try
                    {
                        entry = Json.parseObject(text);
                    }
                    catch (final RuntimeException ex)
                    {
                        continue; // a line cut short by a crash
                    }
                    if (entry.get("traceId") instanceof String t && t.startsWith(wanted))
                    {
                        matching.add(t);
                        entries.add(entry);
                    }
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read " + file, ex);
            }
        }
        if (matching.isEmpty())
        {
            throw new UserError("no line of trace " + wanted + " in " + files.size() + " log file(s)" +
                (files.isEmpty() ? "" : " (" + files.getFirst().getParent() + ", ...)") + "; is it this tissue's, " +
                "and were its logs removed?");
        }
        if (matching.size() > 1)
        {
            throw new UserError(wanted + " is the start of " + matching.size() + " trace ids: " +
                String.join(", ", matching) + "; give more digits");
        }
        final String traceId = matching.first();
        final Map<String, Map<String, Object>> spans = new LinkedHashMap<>();
        final List<Line> lines = new ArrayList<>();
        for (final Map<String, Object> e : entries)
        {
            if (!traceId.equals(e.get("traceId")))
            {
                continue;
            }
            final Map<String, Object> fields = e.get("fields") instanceof Map<?, ?> f ? (Map<String, Object>)f :
                Map.of();
            if ("span".equals(e.get("event")) && e.get("spanId") instanceof String s)
            {
                final Map<String, Object> span = new HashMap<>(fields);
                span.put("cell", e.get("cell"));
                span.put("instance", e.get("instance"));
                spans.putIfAbsent(s, span);
            }
            else
            {
                lines.add(new Line(String.valueOf(e.get("ts")), String.valueOf(e.get("instance")),
                    String.valueOf(e.get("level")), String.valueOf(e.get("event")),
                    e.get("spanId") instanceof String s ? s : null, fields));
            }
        }
        lines.sort(Comparator.comparing(Line::ts));
        final Map<String, List<String>> childrenOf = new HashMap<>();
        final List<String> rootIds = new ArrayList<>();
        for (final Map.Entry<String, Map<String, Object>> s : spans.entrySet())
        {
            final Object parent = s.getValue().get("parentSpanId");
            if (parent instanceof String p && spans.containsKey(p) && !p.equals(s.getKey()))
            {
                childrenOf.computeIfAbsent(p, k -> new ArrayList<>()).add(s.getKey());
            }
            else
            {
                rootIds.add(s.getKey());
            }
        }
        final List<Span> roots = new ArrayList<>();
        final Set<String> reached = new HashSet<>();
        for (final String r : rootIds)
        {
            roots.add(build(r, spans, childrenOf, new HashSet<>(), reached));
        }
        // Spans whose parents form a cycle (possible only in corrupt or forged logs) have no root: show each such
        // group from its earliest span rather than drop it.
        final List<String> unreached = new ArrayList<>();
        for (final String spanId : spans.keySet())
        {
            if (!reached.contains(spanId))
            {
                unreached.add(spanId);
            }
        }
        unreached.sort(Comparator.comparing(u -> String.valueOf(spans.get(u).get("start"))));
        for (final String u : unreached)
        {
            if (!reached.contains(u))
            {
                roots.add(build(u, spans, childrenOf, new HashSet<>(), reached));
            }
        }
        roots.sort(Comparator.comparing(Span::start));
        return new TraceTree(traceId, List.copyOf(roots), List.copyOf(lines));
    }

    private static Span build(final String id, final Map<String, Map<String, Object>> spans,
        final Map<String, List<String>> childrenOf, final Set<String> path, final Set<String> reached)
    {
        path.add(id);
        reached.add(id);
        final Map<String, Object> s = spans.get(id);
        final List<Span> children = new ArrayList<>();
        for (final String c : childrenOf.getOrDefault(id, List.of()))
        {
            if (!path.contains(c))
            {
                children.add(build(c, spans, childrenOf, path, reached));
            }
        }
        children.sort(Comparator.comparing(Span::start));
        path.remove(id);
        final String parent = s.get("parentSpanId") instanceof String p ? p : null;
        return new Span(String.valueOf(s.get("cell")), String.valueOf(s.get("instance")),
            String.valueOf(s.get("handler")), id, parent, String.valueOf(s.get("start")),
            s.get("durationUs") instanceof Number n ? n.doubleValue() : 0, String.valueOf(s.get("outcome")),
            parent != null && !spans.containsKey(parent), List.copyOf(children));
    }

    /**
     * @return how many spans the trace has in these logs.
     */
    public int spanCount()
    {
        int n = 0;
        for (final Span r : roots)
        {
            n += r.size();
        }
        return n;
    }

    /**
     * The tree for people.
     *
     * @param withLines also print the trace's other log lines, under the span they were written in.
     * @return the text, ending in a newline.
     */
    public String render(final boolean withLines)
    {
        final StringBuilder sb = new StringBuilder();
        final Set<String> cells = new TreeSet<>();
        collectCells(roots, cells);
        sb.append("trace ").append(traceId).append(": ");
        if (roots.isEmpty())
        {
            sb.append("no span records (the trace was not sampled, or its cells run with [observe] trace = " +
                "\"off\"); ").append(lines.size()).append(" log line(s)\n");
            for (final Line l : lines)
            {
                line(sb, "", l);
            }
            return sb.toString();
        }
        final int count = spanCount();
        sb.append(count).append(count == 1 ? " span" : " spans").append(" in ").append(cells.size())
            .append(cells.size() == 1 ? " cell" : " cells");
        if (roots.size() == 1)
        {
            sb.append(", ").append(millis(roots.getFirst().durationUs()));
        }
        sb.append('\n');
        final Map<String, List<Line>> bySpan = new HashMap<>();
        final List<Line> loose = new ArrayList<>();
        final Set<String> ids = new HashSet<>();
        collectIds(roots, ids);
        for (final Line l : lines)
        {
            if (l.spanId() != null && ids.contains(l.spanId()))
            {
                bySpan.computeIfAbsent(l.spanId(), k -> new ArrayList<>()).add(l);
            }
            else
            {
                loose.add(l);
            }
        }
        for (final Span r : roots)
        {
            span(sb, r, "", "", withLines ? bySpan : Map.of());
        }
        if (withLines && !loose.isEmpty())
        {
            sb.append("lines outside the spans recorded:\n");
            for (final Line l : loose)
            {
                line(sb, "  ", l);
            }
        }
        else if (!withLines && !lines.isEmpty())
        {
            sb.append(lines.size()).append(" more log line(s) of this trace: --logs shows them\n");
        }
        return sb.toString();
    }

    private static void span(final StringBuilder sb, final Span s, final String lead, final String indent,
        final Map<String, List<Line>> lines)
    {
        sb.append(lead).append(s.cell()).append('.').append(s.handler()).append("  ").append(s.instance())
            .append("  ").append(millis(s.durationUs())).append("  ").append(s.outcome());
        if (s.orphan())
        {
            sb.append("  (parent ").append(s.parentSpanId()).append(" not in these logs)");
        }
        sb.append('\n');
        for (final Line l : lines.getOrDefault(s.spanId(), List.of()))
        {
            line(sb, indent + (s.children().isEmpty() ? "   " : "│  ") + "· ", l);
        }
        for (int i = 0; i < s.children().size(); i++)
        {
            final boolean last = i == s.children().size() - 1;
            span(sb, s.children().get(i), indent + (last ? "└─ " : "├─ "), indent + (last ? "   " : "│  "), lines);
        }
    }

    private static void line(final StringBuilder sb, final String lead, final Line l)
    {
        String time;
        try
        {
            time = CLOCK.format(Instant.parse(l.ts()));
        }
        catch (final DateTimeException ex)
        {
            time = l.ts();
        }
        sb.append(lead).append(time).append(' ').append(l.instance()).append(' ').append(l.level()).append(' ')
            .append(l.event());
        for (final Map.Entry<String, Object> f : l.fields().entrySet())
        {
            sb.append(' ').append(f.getKey()).append('=').append(f.getValue() instanceof String v ? v :
                Json.write(f.getValue()));
        }
        sb.append('\n');
    }

    private static String millis(final double us)
    {
        return String.format(Locale.ROOT, "%.3f ms", us / 1_000.0);
    }

    private static void collectCells(final List<Span> spans, final Set<String> into)
    {
        for (final Span s : spans)
        {
            into.add(s.cell());
            collectCells(s.children(), into);
        }
    }

    private static void collectIds(final List<Span> spans, final Set<String> into)
    {
        for (final Span s : spans)
        {
            into.add(s.spanId());
            collectIds(s.children(), into);
        }
    }
}
