package dev.cell.enzyme;

/**
 * Where an enzyme's kernels run.
 *
 * @since 0.1
 */
public enum Backend
{
    /**
     * An NVIDIA GPU through the CUDA driver API.
     */
    CUDA,
    /**
     * This process's CPU, with the kernels' Java implementations.
     */
    CPU
}
