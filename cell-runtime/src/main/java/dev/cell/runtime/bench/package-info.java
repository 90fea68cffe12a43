/**
 * Latency measurement for any round trip: {@link dev.cell.runtime.bench.LatencyHarness} drives a
 * {@link dev.cell.runtime.bench.Probe} back to back or at a fixed rate (corrected for coordinated omission) into an
 * HdrHistogram, and {@link dev.cell.runtime.bench.LatencySummary} reduces the histogram to the figures Cell reports.
 *
 * @since 0.1
 */
package dev.cell.runtime.bench;
