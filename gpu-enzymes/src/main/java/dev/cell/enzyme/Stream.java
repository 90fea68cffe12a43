package dev.cell.enzyme;

/**
 * An ordered queue of copies and launches on one device. On a GPU its work runs asynchronously: {@link #sync()} or an
 * {@link Event} waits for it. On the CPU fallback each call does its work before it returns. Not thread safe.
 *
 * @since 0.1
 */
public interface Stream extends AutoCloseable
{
    /**
     * Queues a copy from host to device.
     *
     * @param src       host memory (pinned).
     * @param srcOffset first byte read.
     * @param dst       device memory.
     * @param dstOffset first byte written.
     * @param bytes     how many.
     * @throws CudaError when the driver refuses.
     */
    void copyIn(HostBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) throws CudaError;

    /**
     * Queues a copy from device to host.
     *
     * @param src       device memory.
     * @param srcOffset first byte read.
     * @param dst       host memory (pinned).
     * @param dstOffset first byte written.
     * @param bytes     how many.
     * @throws CudaError when the driver refuses.
     */
    void copyOut(DeviceBuffer src, long srcOffset, HostBuffer dst, long dstOffset, long bytes) throws CudaError;

    /**
     * Queues a copy within the device.
     *
     * @param src       device memory.
     * @param srcOffset first byte read.
     * @param dst       device memory.
     * @param dstOffset first byte written.
     * @param bytes     how many.
     * @throws CudaError when the driver refuses.
     */
    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) throws CudaError;

    /**
     * Queues a kernel.
     *
     * @param kernel      what to run.
     * @param grid        blocks.
     * @param block       threads per block.
     * @param sharedBytes dynamic shared memory per block.
     * @param args        its arguments, in the kernel's order.
     * @throws CudaError when the driver refuses the launch.
     */
    void launch(Kernel kernel, Dim grid, Dim block, int sharedBytes, KernelArgs args) throws CudaError;

    /**
     * @param event marks the point after the work queued so far.
     * @throws CudaError when the driver refuses.
     */
    void record(Event event) throws CudaError;

    /**
     * Waits until everything queued is done.
     *
     * @throws CudaError when the driver reports a failure of that work (a kernel's fault shows here).
     */
    void sync() throws CudaError;

    /**
     * Frees it.
     */
    @Override
    void close();
}
