package dev.cell.tissue.observe;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: the Prometheus Java client
 * writes this format but ships no parser. It refuses, naming the line, what Prometheus's own parser refuses and
 * what the format's rules forbid: bad metric or label names, bad escapes, values that are no float, a second
 * {@code TYPE} or {@code HELP} for a name, a {@code TYPE} after that metric's samples, a metric's lines not kept
 * together, the same series twice, and histograms whose buckets are not sorted, not cumulative, lack {@code +Inf}
 * or disagree with {@code _count}.
 */
final class PromText
{
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /**
     * One sample line.
     *
     * @param name   the sample's name ({@code x_bucket}, {@code x_total}, ...).
     * @param labels its labels, sorted by name.
     * @param value  its value.
     */
    record Sample(String name, Map<String, String> labels, double value)
    {
    }

    /**
     * One metric family: what its {@code TYPE} line named, and its samples.
     *
     * @param name    the name on its {@code TYPE} (or first sample) line.
     * @param type    its type, {@code untyped} without a {@code TYPE} line.
     * @param help    its help text, null without one.
     * @param samples its samples, in order.
     */
    record Family(String name, String type, String help, List<Sample> samples)
    {
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    private PromText()
    {
    }

    /**
     * @param text a scrape.
     * @return it parsed.
     * @throws IllegalArgumentException naming the line when it breaks a rule of the format.
     */
    static PromText parse(final String text)
    {
        if (!text.isEmpty() && !text.endsWith("\n"))
        {
            throw new IllegalArgumentException("the last line does not end with a line feed");
        }
        final PromText p = new PromText();
        final Map<String, String> helps = new LinkedHashMap<>();
        final Map<String, String> types = new LinkedHashMap<>();
        final Set<String> closed = new HashSet<>();
        final Set<String> series = new HashSet<>();
        String current = null;
        final String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++)
        {
            final String line = lines[i];
            final int no = i + 1;
            if (line.isBlank())
            {
                continue;
            }
            if (line.startsWith("#"))
            {
                final String[] t = line.split("[ \t]+", 4);
                if (t.length >= 3 && ("HELP".equals(t[1]) || "TYPE".equals(t[1])))
                {
                    final String name = t[2];
                    check(METRIC_NAME.matcher(name).matches(), no, "bad metric name '" + name + "'");
                    current = switchTo(p, current, name, closed, no);
                    if ("HELP".equals(t[1]))
                    {
                        check(helps.put(name, unescape(t.length > 3 ? t[3] : "", false, no)) == null, no,
                            "second HELP for " + name);
                    }
                    else
                    {
                        check(t.length == 4 && TYPES.contains(t[3]), no, "bad TYPE line");
                        check(!types.containsKey(name), no, "second TYPE for " + name);
                        check(p.families.get(name) == null || p.families.get(name).samples().isEmpty(), no,
                            "TYPE for " + name + " after its samples");
                        types.put(name, t[3]);
                    }
                    p.families.put(name, new Family(name, types.getOrDefault(name, "untyped"), helps.get(name),
                        p.families.containsKey(name) ? p.families.get(name).samples() : new ArrayList<>()));
                }
                continue;
            }
            final Sample s = sample(line, no);
            final String family = familyOf(s.name(), types);
            current = switchTo(p, current, family, closed, no);
            check(series.add(s.name() + s.labels()), no, "series " + s.name() + s.labels() + " twice");
            p.families.computeIfAbsent(family, f -> new Family(f, "untyped", null, new ArrayList<>())).samples()
                .add(s);
        }
        p.families.values().stream().filter(f -> "histogram".equals(f.type())).forEach(PromText::checkHistogram);
        return p;
    }

    private static String switchTo(final PromText p, final String current, final String family,
        final Set<String> closed, final int no)
    {
        if (!family.equals(current))
        {
            check(!closed.contains(family), no, "lines of " + family + " are not together");
            if (current != null)
            {
                closed.add(current);
            }
        }
        return family;
    }

    private static String familyOf(final String sample, final Map<String, String> types)
    {
        if (types.containsKey(sample))
        {
            return sample;
        }
        for (final String suffix : List.of("_bucket", "_sum", "_count", "_total", "_created"))
        {
            if (sample.endsWith(suffix))
            {
                final String base = sample.substring(0, sample.length() - suffix.length());
                final String type = types.get(base);
                final boolean distribution = "histogram".equals(type) || "summary".equals(type);
                final boolean counter = "counter".equals(type);
                if ((distribution && !suffix.equals("_total")) || (counter && (suffix.equals("_total") ||
                    suffix.equals("_created"))))
                {
                    return base;
                }
            }
        }
        return sample;
    }

    private static Sample sample(final String line, final int no)
    {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t')
        {
            i++;
        }
        final String name = line.substring(0, i);
        check(METRIC_NAME.matcher(name).matches(), no, "bad metric name '" + name + "'");
        final Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{')
        {
            i++;
            while (true)
            {
                check(i < line.length(), no, "unterminated labels");
                if (line.charAt(i) == '}')
                {
                    i++;
                    break;
                }
                final int eq = line.indexOf('=', i);
                check(eq > i, no, "label without '='");
                final String label = line.substring(i, eq);
                check(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"), no,
                    "bad label name '" + label + "'");
                check(eq + 1 < line.length() && line.charAt(eq + 1) == '"', no, "label value not quoted");
                final StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (true)
                {
                    check(j < line.length(), no, "unterminated label value");
                    final char c = line.charAt(j);
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\')
                    {
                        check(j + 1 < line.length(), no, "dangling escape");
                        final char e = line.charAt(j + 1);
                        check(e == '\\' || e == '"' || e == 'n', no, "bad escape \\" + e);
                        value.append(e == 'n' ? '\n' : e);
                        j += 2;
                        continue;
                    }
                    value.append(c);
                    j++;
                }
                check(labels.put(label, value.toString()) == null, no, "label " + label + " twice");
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',')
                {
                    i++;
                }
                else
                {
                    check(i < line.length() && line.charAt(i) == '}', no, "expected ',' or '}' after a label");
                }
            }
        }
        final String[] rest = line.substring(i).strip().split("[ \t]+");
        check(rest.length == 1 || rest.length == 2, no, "expected a value and at most a timestamp");
        final double value = number(rest[0], no);
        if (rest.length == 2)
        {
            try
            {
                Long.parseLong(rest[1]);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("line " + no + ": bad timestamp '" + rest[1] + "'");
            }
        }
        return new Sample(name, labels, value);
    }

    private static double number(final String text, final int no)
    {
        switch (text)
        {
            case "NaN":
                return Double.NaN;
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                check(text.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?"), no,
                    "'" + text + "' is not a float");
                return Double.parseDouble(text);
        }
    }

    private static String unescape(final String text, final boolean quotes, final int no)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '\\')
            {
                check(i + 1 < text.length(), no, "dangling escape");
                final char e = text.charAt(++i);
                check(e == '\\' || e == 'n' || (quotes && e == '"'), no, "bad escape \\" + e);
                out.append(e == 'n' ? '\n' : e);
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void checkHistogram(final Family f)
    {
        final Map<Map<String, String>, List<double[]>> buckets = new LinkedHashMap<>();
        final Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (final Sample s : f.samples())
        {
            final Map<String, String> key = new TreeMap<>(s.labels());
            if (s.name().equals(f.name() + "_bucket"))
            {
                final String le = key.remove("le");
                check(le != null, 0, f.name() + "_bucket without le");
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[]{number(le, 0), s.value()});
            }
            else if (s.name().equals(f.name() + "_count"))
            {
                counts.put(key, s.value());
            }
            else
            {
                check(s.name().equals(f.name() + "_sum"), 0, "sample " + s.name() + " in histogram " + f.name());
            }
        }
        for (final Map.Entry<Map<String, String>, List<double[]>> e : buckets.entrySet())
        {
            final List<double[]> b = e.getValue();
            for (int i = 1; i < b.size(); i++)
            {
                check(b.get(i)[0] > b.get(i - 1)[0], 0, f.name() + e.getKey() + ": le not ascending");
                check(b.get(i)[1] >= b.get(i - 1)[1], 0, f.name() + e.getKey() + ": buckets not cumulative");
            }
            final double[] last = b.getLast();
            check(last[0] == Double.POSITIVE_INFINITY, 0, f.name() + e.getKey() + ": no le=\"+Inf\" bucket");
            check(counts.containsKey(e.getKey()) && counts.get(e.getKey()) == last[1], 0,
                f.name() + e.getKey() + ": _count is not the +Inf bucket");
        }
    }

    private static void check(final boolean ok, final int line, final String problem)
    {
        if (!ok)
        {
            throw new IllegalArgumentException((line > 0 ? "line " + line + ": " : "") + problem);
        }
    }

    /**
     * @param name a family's name.
     * @return it, or null.
     */
    Family family(final String name)
    {
        return families.get(name);
    }

    /**
     * @return every family, in scrape order.
     */
    Map<String, Family> families()
    {
        return families;
    }

    /**
     * @param sample a sample name.
     * @param labels label name, value, ... that the sample must have (it may have more).
     * @return the value of the one sample of that name with those labels.
     * @throws AssertionError when none or more than one matches.
     */
    double value(final String sample, final String... labels)
    {
        final List<Sample> found = new ArrayList<>();
        for (final Family f : families.values())
        {
            for (final Sample s : f.samples())
            {
                if (s.name().equals(sample) && matches(s, labels))
                {
                    found.add(s);
                }
            }
        }
        if (found.size() != 1)
        {
            throw new AssertionError(found.size() + " samples " + sample + " " + List.of(labels) + ": " + found);
        }
        return found.getFirst().value();
    }

    private static boolean matches(final Sample s, final String... labels)
    {
        for (int i = 0; i + 1 < labels.length; i += 2)
        {
            if (!labels[i + 1].equals(s.labels().get(labels[i])))
            {
                return false;
            }
        }
        return true;
    }
}
