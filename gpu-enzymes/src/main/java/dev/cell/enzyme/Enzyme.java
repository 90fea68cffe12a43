package dev.cell.enzyme;

/**
 * A device to run kernels on: a GPU through the CUDA driver API, or the CPU when there is none. A handler's code is
 * the same for both: load a module, take buffers, queue copies and launches on a stream, wait.
 * <pre>{@code
 * Enzyme enzyme = Enzyme.open(EnzymeOptions.fromEnvironment(System.getenv()));
 * KernelModule module = enzyme.load(ModuleSource.fromResource(MyCell.class, "scores.ptx", Map.of("scores", cpuScores)));
 * Kernel scores = module.kernel("scores");
 * try (DeviceBuffer in = enzyme.alloc(n); HostBuffer staging = enzyme.pinned(n); Stream stream = enzyme.stream())
 * {
 *     stream.copyIn(staging, 0, in, 0, n);
 *     stream.launch(scores, Dim.of(blocks), Dim.of(256), 0, args.clear().buffer(in).i32(count));
 *     stream.sync();
 * }
 * }</pre>
 *
 * @since 0.1
 */
public interface Enzyme extends AutoCloseable
{
    /**
     * @param options how to pick the device.
     * @return a GPU enzyme when the options allow and the driver finds a device, else the CPU fallback (whose
     *     {@link DeviceInfo#reason()} says why).
     * @throws CudaError when the options ask for {@code cuda} and there is no usable device, or the driver fails.
     */
    static Enzyme open(final EnzymeOptions options) throws CudaError
    {
        if (options.backend().equals("cpu"))
        {
            return new CpuEnzyme(options, options.reason().isEmpty() ? "asked for (backend cpu)" : options.reason());
        }
        final CudaEnzyme.Probe probe = CudaEnzyme.probe(options);
        if (probe.error() == null)
        {
            return new CudaEnzyme(probe.driver(), options);
        }
        if (options.backend().equals("cuda"))
        {
            throw probe.error();
        }
        return new CpuEnzyme(options, probe.error().getMessage());
    }

    /**
     * @return what it runs on.
     */
    DeviceInfo device();

    /**
     * @param source PTX and the CPU kernels.
     * @return the loaded module.
     * @throws CudaError when the driver cannot compile the PTX for this device (the JIT's log is in the error).
     */
    KernelModule load(ModuleSource source) throws CudaError;

    /**
     * @param bytes at least 1.
     * @return device memory from the pool (contents undefined).
     * @throws CudaError when the device is out of memory.
     */
    DeviceBuffer alloc(long bytes) throws CudaError;

    /**
     * @param bytes at least 1.
     * @return pinned host memory from the pool (contents undefined).
     * @throws CudaError when the driver refuses.
     */
    HostBuffer pinned(long bytes) throws CudaError;

    /**
     * @return a new stream.
     * @throws CudaError when the driver refuses.
     */
    Stream stream() throws CudaError;

    /**
     * @return a new event.
     * @throws CudaError when the driver refuses.
     */
    Event event() throws CudaError;

    /**
     * @return device memory free and total as the driver reports them, and what the pools hold.
     * @throws CudaError when the driver fails.
     */
    MemoryUse memory() throws CudaError;

    /**
     * Frees the pools, modules and context.
     */
    @Override
    void close();

    /**
     * Memory figures.
     *
     * @param free        device bytes free (the CPU fallback: JVM-independent native memory is not counted: -1).
     * @param total       device bytes in all (-1 on the CPU).
     * @param pooledInUse bytes of device memory handed out by the pool.
     * @param pooledCache bytes of device memory the pool keeps for reuse.
     */
    record MemoryUse(long free, long total, long pooledInUse, long pooledCache)
    {
    }
}
