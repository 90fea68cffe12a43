package dev.cell.tools.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A small, dependency-free SVG percentile plot of one or more latency histograms: x is the percentile on a "nines"
 * scale (0 %, 90 %, 99 %, 99.9 %, ...; the maximum is drawn at the right edge), y is the latency in µs on a log
 * scale, one line per series. Histograms hold nanoseconds, as {@link LatencyHarness} records them.
 *
 * @since 0.1
 */
public final class PercentileChart
{
    private static final int WIDTH = 760;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 44;
    private static final int BOTTOM = 56;
    private static final String[] COLOURS =
        {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"};
    private static final double MIN_US = 0.01;

    private PercentileChart()
    {
    }

    /**
     * @param title     the chart's title.
     * @param histogram round-trip times in nanoseconds.
     * @return an SVG document.
     */
    public static String svg(final String title, final Histogram histogram)
    {
        final Map<String, Histogram> series = new LinkedHashMap<>();
        series.put("latency", histogram);
        return svg(title, series);
    }

    /**
     * @param title  the chart's title.
     * @param series name to histogram (nanoseconds), drawn in this order; empty histograms are skipped.
     * @return an SVG document.
     */
    public static String svg(final String title, final Map<String, Histogram> series)
    {
        long maxCount = 1;
        double minUs = Double.MAX_VALUE;
        double maxUs = 0;
        for (final Histogram h : series.values())
        {
            if (h.getTotalCount() > 0)
            {
                maxCount = Math.max(maxCount, h.getTotalCount());
                minUs = Math.min(minUs, Math.max(MIN_US, h.getMinValue() / 1_000.0));
                maxUs = Math.max(maxUs, Math.max(MIN_US, h.getMaxValue() / 1_000.0));
            }
        }
        if (maxUs == 0)
        {
            minUs = 1;
            maxUs = 10;
        }
        // Nines shown: enough to reach the maximum of the largest series (1 in count), at least 2, at most 6.
        final int nines = (int)Math.max(2, Math.min(6, Math.ceil(Math.log10(maxCount))));
        final int yLow = (int)Math.floor(Math.log10(minUs));
        final int yHigh = Math.max(yLow + 1, (int)Math.ceil(Math.log10(maxUs)));
        final double plotW = WIDTH - LEFT - RIGHT;
        final double plotH = HEIGHT - TOP - BOTTOM;

        final StringBuilder sb = new StringBuilder(8_192);
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" " +
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        sb.append(String.format(Locale.ROOT,
            "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));

        // Grid and axes.
        for (int n = 0; n <= nines; n++)
        {
            final double x = LEFT + plotW * n / nines;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" " +
                "stroke=\"#ddd\"/>%n", x, TOP, x, TOP + plotH));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n",
                x, TOP + plotH + 18, ninesLabel(n)));
        }
        for (int e = yLow; e <= yHigh; e++)
        {
            final double y = TOP + plotH - plotH * (e - yLow) / (yHigh - yLow);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" " +
                "stroke=\"#ddd\"/>%n", LEFT, y, LEFT + plotW, y));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                LEFT - 6, y + 4, usLabel(e)));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" " +
            "stroke=\"#444\"/>%n", LEFT, TOP, plotW, plotH));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
            LEFT + plotW / 2, HEIGHT - 14));
        sb.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" " +
            "transform=\"rotate(-90 16 %.1f)\">round trip, µs (log)</text>%n", TOP + plotH / 2, TOP + plotH / 2));

        // Series.
        int index = 0;
        for (final Map.Entry<String, Histogram> entry : series.entrySet())
        {
            final Histogram h = entry.getValue();
            if (h.getTotalCount() == 0)
            {
                continue;
            }
            final String colour = COLOURS[index % COLOURS.length];
            final List<String> points = new ArrayList<>();
            for (final HistogramIterationValue v : h.percentiles(5))
            {
                final double fraction = v.getPercentileLevelIteratedTo() / 100.0;
                final double n = fraction >= 1.0 ? nines : Math.min(nines, -Math.log10(1.0 - fraction));
                final double us = Math.max(MIN_US, h.highestEquivalentValue(v.getValueIteratedTo()) / 1_000.0);
                final double x = LEFT + plotW * n / nines;
                final double y = TOP + plotH - plotH * (Math.log10(us) - yLow) / (yHigh - yLow);
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            }
            sb.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"")
                .append(String.join(" ", points)).append("\"/>\n");
            final double ly = TOP + 14 + 20 * index;
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" " +
                "stroke=\"%s\" stroke-width=\"3\"/>%n", LEFT + plotW + 12, ly - 4, LEFT + plotW + 30, ly - 4, colour));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>%n",
                LEFT + plotW + 36, ly, escape(entry.getKey())));
            index++;
        }
        sb.append("</svg>\n");
        return sb.toString();
    }

    private static String ninesLabel(final int nines)
    {
        if (nines == 0)
        {
            return "0%";
        }
        if (nines == 1)
        {
            return "90%";
        }
        return nines == 2 ? "99%" : "99." + "9".repeat(nines - 2) + "%";
    }

    private static String usLabel(final int exponent)
    {
        if (exponent >= 0)
        {
            return String.format(Locale.ROOT, "%,d", (long)Math.pow(10, exponent));
        }
        return String.format(Locale.ROOT, "%." + (-exponent) + "f", Math.pow(10, exponent));
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
