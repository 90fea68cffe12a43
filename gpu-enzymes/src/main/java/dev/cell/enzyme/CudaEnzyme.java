package dev.cell.enzyme;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An enzyme on one NVIDIA GPU: the device's primary context, made current on each thread that calls in; device and
 * pinned memory from pools; streams, events and modules as driver handles.
 */
final class CudaEnzyme implements Enzyme
{
    private static final int JIT_LOG_BYTES = 16 * 1024;

    private final CudaDriver driver;
    private final int device;
    private final long context;
    private final DeviceInfo info;
    private final BufferPool devicePool;
    private final BufferPool pinnedPool;
    private volatile Thread bound;
    private boolean closed;

    /**
     * What {@link #probe} found: a driver with a device, or why not.
     *
     * @param driver the driver, or null.
     * @param error  why not, or null.
     */
    record Probe(CudaDriver driver, CudaError error)
    {
    }

    /**
     * @param options the library and device asked for.
     * @return the driver when it loads and sees the device.
     */
    static Probe probe(final EnzymeOptions options)
    {
        try
        {
            final CudaDriver driver = CudaDriver.load(options.library());
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment count = arena.allocate(JAVA_INT);
                driver.check("cuDeviceGetCount", CudaDriver.call(driver.cuDeviceGetCount, count));
                final int n = count.get(JAVA_INT, 0);
                if (options.device() >= n)
                {
                    return new Probe(null, new CudaError("cuDeviceGet", 101, "CUDA_ERROR_INVALID_DEVICE",
                        "device " + options.device() + " asked for, the driver sees " + n +
                        (options.reason().isEmpty() ? "" : " (" + options.reason() + ")")));
                }
            }
            return new Probe(driver, null);
        }
        catch (final CudaError ex)
        {
            return new Probe(null, ex);
        }
    }

    CudaEnzyme(final CudaDriver driver, final EnzymeOptions options) throws CudaError
    {
        this.driver = driver;
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_LONG);
            driver.check("cuDeviceGet", CudaDriver.call(driver.cuDeviceGet, out, options.device()));
            device = out.get(JAVA_INT, 0);
            driver.check("cuDevicePrimaryCtxRetain", CudaDriver.call(driver.cuDevicePrimaryCtxRetain, out, device));
            context = CudaDriver.word(out);
        }
        bind();
        info = readInfo(options.device());
        devicePool = new BufferPool(new BufferPool.Allocator()
        {
            @Override
            public long allocate(final long bytes) throws CudaError
            {
                return allocateWith("cuMemAlloc_v2", bytes, true);
            }

            @Override
            public void free(final long address, final long bytes)
            {
                quietly(driver.cuMemFree, address);
            }
        }, options.cacheLimit());
        pinnedPool = new BufferPool(new BufferPool.Allocator()
        {
            @Override
            public long allocate(final long bytes) throws CudaError
            {
                return allocateWith("cuMemAllocHost_v2", bytes, false);
            }

            @Override
            public void free(final long address, final long bytes)
            {
                quietly(driver.cuMemFreeHost, address);
            }
        }, options.cacheLimit());
    }

    private long allocateWith(final String call, final long bytes, final boolean onDevice) throws CudaError
    {
        bind();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_LONG);
            final int rc;
            try
            {
                rc = onDevice ? (int)driver.cuMemAlloc.invokeExact(out, bytes) :
                    (int)driver.cuMemAllocHost.invokeExact(out, bytes);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            driver.check(call, rc);
            return CudaDriver.word(out);
        }
    }

    private void quietly(final java.lang.invoke.MethodHandle free, final long address)
    {
        try
        {
            bind();
            CudaDriver.call(free, address);
        }
        catch (final CudaError ignored)
        {
            // freeing while the context is gone: the driver released it with the context
        }
    }

    /**
     * Makes the context current on the calling thread (once per thread switch).
     */
    void bind() throws CudaError
    {
        final Thread me = Thread.currentThread();
        if (bound != me)
        {
            driver.check("cuCtxSetCurrent", CudaDriver.call(driver.cuCtxSetCurrent, context));
            bound = me;
        }
    }

    private DeviceInfo readInfo(final int ordinal) throws CudaError
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment name = arena.allocate(256);
            try
            {
                driver.check("cuDeviceGetName", (int)driver.cuDeviceGetName.invokeExact(name, 256, device));
            }
            catch (final CudaError ex)
            {
                throw ex;
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException(t);
            }
            final MemorySegment total = arena.allocate(JAVA_LONG);
            driver.check("cuDeviceTotalMem_v2", CudaDriver.call(driver.cuDeviceTotalMem, total, device));
            final MemorySegment version = arena.allocate(JAVA_INT);
            driver.check("cuDriverGetVersion", CudaDriver.call(driver.cuDriverGetVersion, version));
            final int v = version.get(JAVA_INT, 0);
            final int major = attribute(arena, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
            final int minor = attribute(arena, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
            final long clockKHz = attribute(arena, CudaDriver.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
            final long busBits = attribute(arena, CudaDriver.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH);
            // double data rate: two transfers per clock, bus width in bits
            final double peak = 2.0 * clockKHz * 1000.0 * busBits / 8.0;
            return new DeviceInfo(Backend.CUDA, name.getString(0), ordinal, CudaDriver.word(total), major + "." + minor,
                attribute(arena, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), peak,
                v / 1000 + "." + v % 1000 / 10, "");
        }
    }

    private int attribute(final Arena arena, final int attribute)
    {
        final MemorySegment out = arena.allocate(JAVA_INT);
        try
        {
            final int rc = (int)driver.cuDeviceGetAttribute.invokeExact(out, attribute, device);
            return rc == 0 ? out.get(JAVA_INT, 0) : 0; // an attribute a newer driver dropped reads as unknown
        }
        catch (final Throwable t)
        {
            return 0;
        }
    }

    @Override
    public DeviceInfo device()
    {
        return info;
    }

    @Override
    public KernelModule load(final ModuleSource source) throws CudaError
    {
        bind();
        final Map<String, int[]> entries = PtxEntries.read(source.ptx());
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_LONG);
            final MemorySegment log = arena.allocate(JIT_LOG_BYTES);
            final MemorySegment options = arena.allocate(JAVA_INT, 2);
            options.setAtIndex(JAVA_INT, 0, CudaDriver.CU_JIT_ERROR_LOG_BUFFER);
            options.setAtIndex(JAVA_INT, 1, CudaDriver.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            final MemorySegment values = arena.allocate(ADDRESS, 2);
            values.setAtIndex(ADDRESS, 0, log);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(JIT_LOG_BYTES)); // a size travels as a pointer
            final int rc;
            try
            {
                rc = (int)driver.cuModuleLoadDataEx.invokeExact(out, arena.allocateFrom(source.ptx()), 2, options,
                    values);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            if (rc != 0)
            {
                throw new CudaError("cuModuleLoadDataEx", rc, driver.errorName(rc), source.name() + ": " +
                    log.getString(0).trim());
            }
            return new CudaModule(CudaDriver.word(out), source, entries);
        }
    }

    @Override
    public DeviceBuffer alloc(final long bytes) throws CudaError
    {
        final long capacity = BufferPool.capacityFor(bytes);
        return new DeviceBuffer(devicePool, devicePool.take(capacity), bytes, capacity, null);
    }

    @Override
    public HostBuffer pinned(final long bytes) throws CudaError
    {
        final long capacity = BufferPool.capacityFor(bytes);
        return new HostBuffer(pinnedPool, pinnedPool.take(capacity), bytes, capacity);
    }

    @Override
    public Stream stream() throws CudaError
    {
        bind();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_LONG);
            driver.check("cuStreamCreate", CudaDriver.call(driver.cuStreamCreate, out,
                CudaDriver.CU_STREAM_NON_BLOCKING));
            return new CudaStream(CudaDriver.word(out));
        }
    }

    @Override
    public Event event() throws CudaError
    {
        bind();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(JAVA_LONG);
            driver.check("cuEventCreate", CudaDriver.call(driver.cuEventCreate, out, 0));
            return new CudaEvent(CudaDriver.word(out));
        }
    }

    @Override
    public MemoryUse memory() throws CudaError
    {
        bind();
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment free = arena.allocate(JAVA_LONG);
            final MemorySegment total = arena.allocate(JAVA_LONG);
            driver.check("cuMemGetInfo_v2", CudaDriver.call(driver.cuMemGetInfo, free, total));
            return new MemoryUse(CudaDriver.word(free), CudaDriver.word(total), devicePool.inUse(),
                devicePool.cachedBytes());
        }
    }

    @Override
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        devicePool.close();
        pinnedPool.close();
        CudaDriver.call(driver.cuDevicePrimaryCtxRelease, device);
    }

    private final class CudaModule implements KernelModule
    {
        private final long handle;
        private final ModuleSource source;
        private final Map<String, int[]> entries;

        CudaModule(final long handle, final ModuleSource source, final Map<String, int[]> entries)
        {
            this.handle = handle;
            this.source = source;
            this.entries = entries;
        }

        @Override
        public Kernel kernel(final String name) throws CudaError
        {
            bind();
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment out = arena.allocate(JAVA_LONG);
                final int rc;
                try
                {
                    rc = (int)driver.cuModuleGetFunction.invokeExact(out, handle, arena.allocateFrom(name));
                }
                catch (final Throwable t)
                {
                    throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
                }
                if (rc != 0)
                {
                    throw new CudaError("cuModuleGetFunction", rc, driver.errorName(rc), source.name() + " has no " +
                        "kernel " + name);
                }
                return new Kernel(name, CudaDriver.word(out), null, entries.get(name));
            }
        }

        @Override
        public void close()
        {
            try
            {
                bind();
                CudaDriver.call(driver.cuModuleUnload, handle);
            }
            catch (final CudaError ignored)
            {
                // the context is gone, and the module with it
            }
        }
    }

    private final class CudaStream implements Stream
    {
        private final long handle;

        CudaStream(final long handle)
        {
            this.handle = handle;
        }

        @Override
        public void copyIn(final HostBuffer src, final long srcOffset, final DeviceBuffer dst, final long dstOffset,
            final long bytes) throws CudaError
        {
            src.checkRange(srcOffset, bytes);
            dst.checkRange(dstOffset, bytes);
            bind();
            final int rc;
            try
            {
                rc = (int)driver.cuMemcpyHtoDAsync.invokeExact(dst.address() + dstOffset, src.address() + srcOffset,
                    bytes, handle);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            driver.check("cuMemcpyHtoDAsync_v2", rc);
        }

        @Override
        public void copyOut(final DeviceBuffer src, final long srcOffset, final HostBuffer dst, final long dstOffset,
            final long bytes) throws CudaError
        {
            src.checkRange(srcOffset, bytes);
            dst.checkRange(dstOffset, bytes);
            bind();
            final int rc;
            try
            {
                rc = (int)driver.cuMemcpyDtoHAsync.invokeExact(dst.address() + dstOffset, src.address() + srcOffset,
                    bytes, handle);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            driver.check("cuMemcpyDtoHAsync_v2", rc);
        }

        @Override
        public void copy(final DeviceBuffer src, final long srcOffset, final DeviceBuffer dst, final long dstOffset,
            final long bytes) throws CudaError
        {
            src.checkRange(srcOffset, bytes);
            dst.checkRange(dstOffset, bytes);
            bind();
            final int rc;
            try
            {
                rc = (int)driver.cuMemcpyDtoDAsync.invokeExact(dst.address() + dstOffset, src.address() + srcOffset,
                    bytes, handle);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            driver.check("cuMemcpyDtoDAsync_v2", rc);
        }

        @Override
        public void launch(final Kernel kernel, final Dim grid, final Dim block, final int sharedBytes,
            final KernelArgs args) throws CudaError
        {
            if (kernel.function() == 0)
            {
                throw new IllegalArgumentException("kernel " + kernel.name() + " was loaded by another enzyme");
            }
            kernel.check(args);
            bind();
            final int rc;
            try
            {
                rc = (int)driver.cuLaunchKernel.invokeExact(kernel.function(), grid.x(), grid.y(), grid.z(),
                    block.x(), block.y(), block.z(), sharedBytes, handle, args.params().address(), 0L);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            driver.check("cuLaunchKernel", rc);
        }

        @Override
        public void record(final Event event) throws CudaError
        {
            bind();
            final int rc;
            try
            {
                rc = (int)driver.cuEventRecord.invokeExact(((CudaEvent)event).handle, handle);
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
            }
            driver.check("cuEventRecord", rc);
        }

        @Override
        public void sync() throws CudaError
        {
            bind();
            driver.check("cuStreamSynchronize", CudaDriver.call(driver.cuStreamSynchronize, handle));
        }

        @Override
        public void close()
        {
            try
            {
                bind();
                CudaDriver.call(driver.cuStreamDestroy, handle);
            }
            catch (final CudaError ignored)
            {
                // the context is gone, and the stream with it
            }
        }
    }

    private final class CudaEvent implements Event
    {
        private final long handle;

        CudaEvent(final long handle)
        {
            this.handle = handle;
        }

        @Override
        public void sync() throws CudaError
        {
            bind();
            driver.check("cuEventSynchronize", CudaDriver.call(driver.cuEventSynchronize, handle));
        }

        @Override
        public float millisSince(final Event start) throws CudaError
        {
            bind();
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment out = arena.allocate(JAVA_FLOAT);
                final int rc;
                try
                {
                    rc = (int)driver.cuEventElapsedTime.invokeExact(out, ((CudaEvent)start).handle, handle);
                }
                catch (final Throwable t)
                {
                    throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
                }
                driver.check("cuEventElapsedTime", rc);
                return out.get(ValueLayout.JAVA_FLOAT, 0);
            }
        }

        @Override
        public void close()
        {
            try
            {
                bind();
                CudaDriver.call(driver.cuEventDestroy, handle);
            }
            catch (final CudaError ignored)
            {
                // the context is gone, and the event with it
            }
        }
    }
}
