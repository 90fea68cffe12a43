package dev.cell.tools.bench;

import dev.cell.runtime.genome.Json;
import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures Cell reports for one measured path: how many calls, their round-trip percentiles in microseconds, the
 * throughput, how they were driven ({@code mode}, e.g. "back-to-back" or "fixed-rate 10000/s") and which idle
 * profile produced them ({@code idleProfile}, e.g. "eco" or "client eco, instance spin").
 *
 * @param count            calls recorded.
 * @param p50Us            median, µs.
 * @param p90Us            90th percentile, µs.
 * @param p99Us            99th percentile, µs.
 * @param p999Us           99.9th percentile, µs.
 * @param p9999Us          99.99th percentile, µs.
 * @param maxUs            the largest, µs.
 * @param throughputPerSec calls per second over the measured duration.
 * @param mode             how the calls were driven.
 * @param idleProfile      which idle profile(s) the figures were measured under.
 * @since 0.1
 */
public record LatencySummary(
    long count,
    double p50Us,
    double p90Us,
    double p99Us,
    double p999Us,
    double p9999Us,
    double maxUs,
    double throughputPerSec,
    String mode,
    String idleProfile)
{
    private static final double NANOS_PER_MICRO = 1_000.0;

    /**
     * Summarise a histogram of nanosecond values.
     *
     * @param histogram  round-trip times in nanoseconds.
     * @param durationNs the measured duration, for the throughput; 0 or less gives a throughput of 0.
     * @param mode       how the calls were driven.
     * @param profile    which idle profile(s) produced them.
     * @return the summary.
     */
    public static LatencySummary of(
        final Histogram histogram, final long durationNs, final String mode, final String profile)
    {
        final long count = histogram.getTotalCount();
        return new LatencySummary(
            count,
            percentileUs(histogram, 50.0),
            percentileUs(histogram, 90.0),
            percentileUs(histogram, 99.0),
            percentileUs(histogram, 99.9),
            percentileUs(histogram, 99.99),
            count == 0 ? 0.0 : histogram.getMaxValue() / NANOS_PER_MICRO,
            durationNs > 0 ? count * 1e9 / durationNs : 0.0,
            mode,
            profile);
    }

    /**
     * @return the summary as a JSON object (keys as the record components).
     */
    public String toJson()
    {
        return Json.write(toMap());
    }

    /**
     * @return the summary as an ordered map (keys as the record components), for embedding in a larger report.
     */
    public Map<String, Object> toMap()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        map.put("count", count);
        map.put("p50Us", p50Us);
        map.put("p90Us", p90Us);
        map.put("p99Us", p99Us);
        map.put("p999Us", p999Us);
        map.put("p9999Us", p9999Us);
        map.put("maxUs", maxUs);
        map.put("throughputPerSec", throughputPerSec);
        map.put("mode", mode);
        map.put("idleProfile", idleProfile);
        return map;
    }

    private static double percentileUs(final Histogram histogram, final double percentile)
    {
        return histogram.getTotalCount() == 0 ? 0.0 : histogram.getValueAtPercentile(percentile) / NANOS_PER_MICRO;
    }
}
