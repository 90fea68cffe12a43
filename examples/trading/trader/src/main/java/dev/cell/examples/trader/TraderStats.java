package dev.cell.examples.trader;

/**
 * What the trader did so far.
 *
 * @param orders     orders sent.
 * @param fills      fills received.
 * @param rejections typed errors received from the exchange.
 * @param p50Ns      median round trip of placeOrder, nanoseconds.
 * @param p99Ns      99th percentile.
 * @param p999Ns     99.9th percentile.
 * @param maxNs      worst.
 */
public record TraderStats(long orders, long fills, long rejections, long p50Ns, long p99Ns, long p999Ns, long maxNs)
{
}
