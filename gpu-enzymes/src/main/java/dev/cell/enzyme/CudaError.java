package dev.cell.enzyme;

import dev.cell.runtime.CellError;

/**
 * A CUDA driver call that failed, as a typed cell error: a handler that runs kernels declares {@code throws CudaError}
 * and its caller catches it with the call, the driver's code and name, and what the driver said besides (the JIT's
 * log for a module that did not load).
 *
 * @since 0.1
 */
public final class CudaError extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int code;
    private final String name;
    private final String detail;

    /**
     * @param call   the driver entry point, e.g. {@code cuMemAlloc_v2}.
     * @param code   its {@code CUresult} (-1: the driver could not be called at all).
     * @param name   the result's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}.
     * @param detail what else is known, or an empty string.
     */
    public CudaError(final String call, final int code, final String name, final String detail)
    {
        super(call + " failed: " + name + " (" + code + ")" + (detail.isEmpty() ? "" : ": " + detail));
        this.call = call;
        this.code = code;
        this.name = name;
        this.detail = detail;
    }

    /**
     * @return the driver entry point.
     */
    public String call()
    {
        return call;
    }

    /**
     * @return its {@code CUresult}.
     */
    public int code()
    {
        return code;
    }

    /**
     * @return the result's name.
     */
    public String name()
    {
        return name;
    }

    /**
     * @return what else is known, or an empty string.
     */
    public String detail()
    {
        return detail;
    }
}
