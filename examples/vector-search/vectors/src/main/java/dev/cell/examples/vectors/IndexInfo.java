package dev.cell.examples.vectors;

/**
 * What the index holds and where it runs.
 *
 * @param rows        vectors held.
 * @param dim         floats per vector (0 before the first add).
 * @param backend     {@code CUDA} or {@code CPU}.
 * @param device      the device, or why the CPU is the fallback.
 * @param deviceBytes device memory the index's buffers hold.
 */
public record IndexInfo(int rows, int dim, String backend, String device, long deviceBytes)
{
}
