package dev.cell.enzyme;

/**
 * The CPU implementation of one kernel: it does in one call what the whole grid does on the GPU, with the same
 * arguments, so a handler runs unchanged where no GPU is present.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface CpuKernel
{
    /**
     * @param grid  the launch's grid.
     * @param block the launch's block.
     * @param args  the launch's arguments; buffers are host memory ({@link DeviceBuffer#segment()}).
     */
    void run(Dim grid, Dim block, KernelArgs args);
}
