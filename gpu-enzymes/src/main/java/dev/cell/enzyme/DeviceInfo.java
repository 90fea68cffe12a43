package dev.cell.enzyme;

import java.util.Locale;

/**
 * What an enzyme runs on.
 *
 * @param backend           GPU or CPU.
 * @param name              the device's name, or the CPU's.
 * @param ordinal           the device's index among the visible ones (0 on the CPU).
 * @param totalMemory       device memory in bytes (0 on the CPU).
 * @param computeCapability e.g. {@code 9.0}; empty on the CPU.
 * @param multiprocessors   streaming multiprocessors, or the CPU's cores.
 * @param peakBandwidth     the device memory's peak in bytes per second from the driver's clock and bus width
 *                          (0 when unknown).
 * @param driver            the CUDA driver's version, e.g. {@code 12.8}; empty on the CPU.
 * @param reason            on the CPU, why it is the fallback; empty on a GPU.
 * @since 0.1
 */
public record DeviceInfo(Backend backend, String name, int ordinal, long totalMemory, String computeCapability,
    int multiprocessors, double peakBandwidth, String driver, String reason)
{
    /**
     * @return one line for logs and {@code cell status}.
     */
    public String describe()
    {
        if (backend == Backend.CPU)
        {
            return "cpu fallback (" + multiprocessors + " cores): " + reason;
        }
        return String.format(Locale.ROOT, "cuda device %d: %s (sm %s, %d SMs, %.1f GiB, peak %.0f GB/s, driver %s)",
            ordinal, name, computeCapability, multiprocessors, totalMemory / (double)(1L << 30), peakBandwidth / 1e9,
            driver);
    }
}
