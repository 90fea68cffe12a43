/**
 * The state benchmark's parts ({@code dev.cell.perf.StateBenchmark}): load generators, the disk floor and the
 * loopback round trip, and the report (table, JSON, goals).
 */
package dev.cell.perf.state;
