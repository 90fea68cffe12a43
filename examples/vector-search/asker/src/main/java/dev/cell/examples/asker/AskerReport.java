package dev.cell.examples.asker;

/**
 * How the asker's run went.
 *
 * @param rows      vectors it added.
 * @param batches   search batches answered.
 * @param selfFound batches whose planted stored vector came back first, as it must.
 * @param p50Us     median round trip of a batch, microseconds.
 * @param p99Us     99th percentile, microseconds.
 * @param device    where the vectors cell runs.
 * @param done      true once the run finished.
 */
public record AskerReport(int rows, int batches, int selfFound, long p50Us, long p99Us, String device, boolean done)
{
}
