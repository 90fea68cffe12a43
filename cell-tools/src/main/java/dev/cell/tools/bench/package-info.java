/**
 * Latency measurement for any round trip: {@link dev.cell.tools.bench.LatencyHarness} drives a
 * {@link dev.cell.tools.bench.Probe} back to back or at a fixed rate (corrected for coordinated omission) into an
 * HdrHistogram, and {@link dev.cell.tools.bench.LatencySummary} reduces the histogram to the figures Cell reports.
 *
 * @since 0.1
 */
package dev.cell.tools.bench;
