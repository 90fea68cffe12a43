package dev.cell.enzyme;

/**
 * One kernel of a loaded module, launched through {@link Stream#launch}.
 *
 * @since 0.1
 */
public final class Kernel
{
    private final String name;
    private final long function;
    private final CpuKernel cpu;
    private final int[] params;

    Kernel(final String name, final long function, final CpuKernel cpu, final int[] params)
    {
        this.name = name;
        this.function = function;
        this.cpu = cpu;
        this.params = params;
    }

    /**
     * @param args a launch's arguments.
     * @throws IllegalArgumentException when their number or sizes differ from the kernel's PTX parameters.
     */
    void check(final KernelArgs args)
    {
        if (params == null)
        {
            return;
        }
        if (args.count() != params.length)
        {
            throw new IllegalArgumentException("kernel " + name + " takes " + params.length + " arguments, " +
                args.count() + " given");
        }
        for (int i = 0; i < params.length; i++)
        {
            if (params[i] > 0 && params[i] != args.sizeAt(i))
            {
                throw new IllegalArgumentException("argument " + i + " of kernel " + name + " is " + params[i] +
                    " bytes in its PTX, " + args.sizeAt(i) + " given");
            }
        }
    }

    /**
     * @return its name in the module.
     */
    public String name()
    {
        return name;
    }

    long function()
    {
        return function;
    }

    CpuKernel cpu()
    {
        return cpu;
    }
}
