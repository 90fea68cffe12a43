package dev.cell.enzyme;

/**
 * A loaded module: on a GPU, PTX the driver compiled for the device; on the CPU, the kernels' Java implementations.
 *
 * @since 0.1
 */
public interface KernelModule extends AutoCloseable
{
    /**
     * @param name a kernel's name ({@code extern "C"} in the CUDA source).
     * @return the kernel.
     * @throws CudaError when the module has no such kernel.
     */
    Kernel kernel(String name) throws CudaError;

    /**
     * Unloads it.
     */
    @Override
    void close();
}
