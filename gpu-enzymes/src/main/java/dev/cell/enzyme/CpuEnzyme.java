package dev.cell.enzyme;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CPU fallback: "device" memory is native memory ({@code aligned_alloc}, 64-byte aligned) from the same kind of
 * pool, copies are {@link MemorySegment#copy}, a launch runs the kernel's {@link CpuKernel} before it returns, and an
 * event is the time it was recorded.
 */
final class CpuEnzyme implements Enzyme
{
    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;

    static
    {
        final Linker linker = Linker.nativeLinker();
        ALIGNED_ALLOC = linker.downcallHandle(linker.defaultLookup().find("aligned_alloc").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
        FREE = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(JAVA_LONG));
    }

    private final DeviceInfo info;
    private final BufferPool devicePool;
    private final BufferPool hostPool;

    CpuEnzyme(final EnzymeOptions options, final String reason)
    {
        info = new DeviceInfo(Backend.CPU, cpuName(), 0, 0, "", Runtime.getRuntime().availableProcessors(), 0, "",
            reason);
        final BufferPool.Allocator native64 = new BufferPool.Allocator()
        {
            @Override
            public long allocate(final long bytes) throws CudaError
            {
                final long address;
                try
                {
                    address = (long)ALIGNED_ALLOC.invokeExact(64L, bytes);
                }
                catch (final Throwable t)
                {
                    throw new IllegalStateException(t);
                }
                if (address == 0)
                {
                    throw new CudaError("aligned_alloc", 2, "CUDA_ERROR_OUT_OF_MEMORY", bytes + " bytes of host memory");
                }
                return address;
            }

            @Override
            public void free(final long address, final long bytes)
            {
                try
                {
                    FREE.invokeExact(address);
                }
                catch (final Throwable t)
                {
                    throw new IllegalStateException(t);
                }
            }
        };
        devicePool = new BufferPool(native64, options.cacheLimit());
        hostPool = new BufferPool(native64, options.cacheLimit());
    }

    private static String cpuName()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException | RuntimeException ignored)
        {
            // not Linux: the architecture is name enough
        }
        return System.getProperty("os.arch");
    }

    @Override
    public DeviceInfo device()
    {
        return info;
    }

    @Override
    public KernelModule load(final ModuleSource source)
    {
        final Map<String, int[]> entries = PtxEntries.read(source.ptx());
        final Map<String, Kernel> kernels = new HashMap<>();
        return new KernelModule()
        {
            @Override
            public Kernel kernel(final String name) throws CudaError
            {
                final CpuKernel cpu = source.cpu().get(name);
                if (cpu == null)
                {
                    throw new CudaError("cuModuleGetFunction", 500, "CUDA_ERROR_NOT_FOUND", source.name() +
                        " has no CPU implementation of kernel " + name);
                }
                return kernels.computeIfAbsent(name, n -> new Kernel(n, 0, cpu, entries.get(n)));
            }

            @Override
            public void close()
            {
                kernels.clear();
            }
        };
    }

    @Override
    public DeviceBuffer alloc(final long bytes) throws CudaError
    {
        final long capacity = BufferPool.capacityFor(bytes);
        final long address = devicePool.take(capacity);
        return new DeviceBuffer(devicePool, address, bytes, capacity, MemorySegment.ofAddress(address).reinterpret(
            bytes));
    }

    @Override
    public HostBuffer pinned(final long bytes) throws CudaError
    {
        final long capacity = BufferPool.capacityFor(bytes);
        return new HostBuffer(hostPool, hostPool.take(capacity), bytes, capacity);
    }

    @Override
    public Stream stream()
    {
        return new Stream()
        {
            @Override
            public void copyIn(final HostBuffer src, final long srcOffset, final DeviceBuffer dst,
                final long dstOffset, final long bytes)
            {
                src.checkRange(srcOffset, bytes);
                dst.checkRange(dstOffset, bytes);
                MemorySegment.copy(src.segment(), srcOffset, dst.segment(), dstOffset, bytes);
            }

            @Override
            public void copyOut(final DeviceBuffer src, final long srcOffset, final HostBuffer dst,
                final long dstOffset, final long bytes)
            {
                src.checkRange(srcOffset, bytes);
                dst.checkRange(dstOffset, bytes);
                MemorySegment.copy(src.segment(), srcOffset, dst.segment(), dstOffset, bytes);
            }

            @Override
            public void copy(final DeviceBuffer src, final long srcOffset, final DeviceBuffer dst,
                final long dstOffset, final long bytes)
            {
                src.checkRange(srcOffset, bytes);
                dst.checkRange(dstOffset, bytes);
                MemorySegment.copy(src.segment(), srcOffset, dst.segment(), dstOffset, bytes);
            }

            @Override
            public void launch(final Kernel kernel, final Dim grid, final Dim block, final int sharedBytes,
                final KernelArgs args)
            {
                if (kernel.cpu() == null)
                {
                    throw new IllegalArgumentException("kernel " + kernel.name() + " was loaded by another enzyme");
                }
                kernel.check(args);
                kernel.cpu().run(grid, block, args);
            }

            @Override
            public void record(final Event event)
            {
                ((CpuEvent)event).at = System.nanoTime();
            }

            @Override
            public void sync()
            {
                // each call did its work before it returned
            }

            @Override
            public void close()
            {
                // nothing held
            }
        };
    }

    @Override
    public Event event()
    {
        return new CpuEvent();
    }

    @Override
    public MemoryUse memory()
    {
        return new MemoryUse(-1, -1, devicePool.inUse(), devicePool.cachedBytes());
    }

    @Override
    public void close()
    {
        devicePool.close();
        hostPool.close();
    }

    private static final class CpuEvent implements Event
    {
        private long at = -1;

        @Override
        public void sync()
        {
            // done when recorded
        }

        @Override
        public float millisSince(final Event start) throws CudaError
        {
            final long from = ((CpuEvent)start).at;
            if (at < 0 || from < 0)
            {
                throw new CudaError("cuEventElapsedTime", 6, "CUDA_ERROR_NOT_READY", "an event was not recorded");
            }
            return (at - from) / 1e6f;
        }

        @Override
        public void close()
        {
            // nothing held
        }
    }
}
