package dev.cell.enzyme;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API through the FFM API: {@code libcuda.so.1} found with {@link SymbolLookup#libraryLookup}, the
 * {@code _v2} entry points where the driver has them, one downcall handle per entry point. Every call returns the
 * driver's {@code CUresult}; {@link #check} turns a failure into a {@link CudaError} naming the call.
 * <p>
 * Handles are {@code CUcontext}, {@code CUmodule}, {@code CUfunction}, {@code CUstream} and {@code CUevent} as
 * addresses ({@code long}); device memory is a {@code CUdeviceptr} ({@code long}).
 */
final class CudaDriver
{
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
    static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    static final int CU_STREAM_NON_BLOCKING = 1;

    private static final Linker LINKER = Linker.nativeLinker();

    final MethodHandle cuInit;
    final MethodHandle cuDriverGetVersion;
    final MethodHandle cuGetErrorName;
    final MethodHandle cuDeviceGetCount;
    final MethodHandle cuDeviceGet;
    final MethodHandle cuDeviceGetName;
    final MethodHandle cuDeviceTotalMem;
    final MethodHandle cuDeviceGetAttribute;
    final MethodHandle cuDevicePrimaryCtxRetain;
    final MethodHandle cuDevicePrimaryCtxRelease;
    final MethodHandle cuCtxSetCurrent;
    final MethodHandle cuMemGetInfo;
    final MethodHandle cuModuleLoadDataEx;
    final MethodHandle cuModuleUnload;
    final MethodHandle cuModuleGetFunction;
    final MethodHandle cuMemAlloc;
    final MethodHandle cuMemFree;
    final MethodHandle cuMemAllocHost;
    final MethodHandle cuMemFreeHost;
    final MethodHandle cuMemcpyHtoDAsync;
    final MethodHandle cuMemcpyDtoHAsync;
    final MethodHandle cuMemcpyDtoDAsync;
    final MethodHandle cuStreamCreate;
    final MethodHandle cuStreamDestroy;
    final MethodHandle cuStreamSynchronize;
    final MethodHandle cuLaunchKernel;
    final MethodHandle cuEventCreate;
    final MethodHandle cuEventRecord;
    final MethodHandle cuEventSynchronize;
    final MethodHandle cuEventElapsedTime;
    final MethodHandle cuEventDestroy;

    private CudaDriver(final SymbolLookup lib)
    {
        final FunctionDescriptor p = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        final FunctionDescriptor pI = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        final FunctionDescriptor i = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        final FunctionDescriptor j = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
        final FunctionDescriptor pJ = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
        final FunctionDescriptor pP = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        cuInit = handle(lib, "cuInit", i);
        cuDriverGetVersion = handle(lib, "cuDriverGetVersion", p);
        cuGetErrorName = handle(lib, "cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuDeviceGetCount = handle(lib, "cuDeviceGetCount", p);
        cuDeviceGet = handle(lib, "cuDeviceGet", pI);
        cuDeviceGetName = handle(lib, "cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = handle(lib, "cuDeviceTotalMem_v2", pI);
        cuDeviceGetAttribute = handle(lib, "cuDeviceGetAttribute",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDevicePrimaryCtxRetain = handle(lib, "cuDevicePrimaryCtxRetain", pI);
        cuDevicePrimaryCtxRelease = handle(lib, "cuDevicePrimaryCtxRelease_v2", i);
        cuCtxSetCurrent = handle(lib, "cuCtxSetCurrent", j);
        cuMemGetInfo = handle(lib, "cuMemGetInfo_v2", pP);
        cuModuleLoadDataEx = handle(lib, "cuModuleLoadDataEx",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        cuModuleUnload = handle(lib, "cuModuleUnload", j);
        cuModuleGetFunction = handle(lib, "cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
            ADDRESS));
        cuMemAlloc = handle(lib, "cuMemAlloc_v2", pJ);
        cuMemFree = handle(lib, "cuMemFree_v2", j);
        cuMemAllocHost = handle(lib, "cuMemAllocHost_v2", pJ);
        cuMemFreeHost = handle(lib, "cuMemFreeHost", j);
        // The hot calls take pointers and handles as 64-bit integers (the same registers on the x86-64 and AArch64
        // C calling conventions): no MemorySegment is made per call.
        final FunctionDescriptor jjjj = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
        cuMemcpyHtoDAsync = handle(lib, "cuMemcpyHtoDAsync_v2", jjjj);
        cuMemcpyDtoHAsync = handle(lib, "cuMemcpyDtoHAsync_v2", jjjj);
        cuMemcpyDtoDAsync = handle(lib, "cuMemcpyDtoDAsync_v2", jjjj);
        cuStreamCreate = handle(lib, "cuStreamCreate", pI);
        cuStreamDestroy = handle(lib, "cuStreamDestroy_v2", j);
        cuStreamSynchronize = handle(lib, "cuStreamSynchronize", j);
        cuLaunchKernel = handle(lib, "cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, JAVA_LONG,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        cuEventCreate = handle(lib, "cuEventCreate", pI);
        cuEventRecord = handle(lib, "cuEventRecord", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        cuEventSynchronize = handle(lib, "cuEventSynchronize", j);
        cuEventElapsedTime = handle(lib, "cuEventElapsedTime", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
            JAVA_LONG));
        cuEventDestroy = handle(lib, "cuEventDestroy_v2", j);
    }

    /**
     * @param library the driver library's name or path.
     * @return the driver, initialised.
     * @throws CudaError when the library cannot be loaded, lacks an entry point, or {@code cuInit} fails.
     */
    static CudaDriver load(final String library) throws CudaError
    {
        final CudaDriver driver;
        try
        {
            driver = new CudaDriver(SymbolLookup.libraryLookup(library, Arena.global()));
        }
        catch (final IllegalArgumentException | UnsatisfiedLinkError ex)
        {
            throw new CudaError("dlopen", -1, "NO_DRIVER", library + " cannot be loaded (no NVIDIA driver on this " +
                "host?): " + ex.getMessage());
        }
        driver.check("cuInit", call(driver.cuInit, 0));
        return driver;
    }

    private static MethodHandle handle(final SymbolLookup lib, final String name, final FunctionDescriptor fd)
    {
        final MemorySegment symbol = lib.find(name).orElseThrow(() ->
            new IllegalArgumentException("the driver library has no " + name + " (a driver older than CUDA 11?)"));
        return LINKER.downcallHandle(symbol, fd);
    }

    /**
     * @param call the entry point's name.
     * @param code what it returned.
     * @throws CudaError when it is not {@code CUDA_SUCCESS}.
     */
    void check(final String call, final int code) throws CudaError
    {
        if (code != 0)
        {
            throw new CudaError(call, code, errorName(code), "");
        }
    }

    /**
     * @param code a {@code CUresult}.
     * @return its name, e.g. {@code CUDA_ERROR_INVALID_VALUE}.
     */
    String errorName(final int code)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment out = arena.allocate(ADDRESS);
            final int rc = (int)cuGetErrorName.invokeExact(code, out);
            final MemorySegment str = out.get(ADDRESS, 0);
            return rc != 0 || str.address() == 0 ? "CUDA_ERROR_" + code : str.reinterpret(256).getString(0);
        }
        catch (final Throwable t)
        {
            return "CUDA_ERROR_" + code;
        }
    }

    /**
     * @param h    a handle taking one {@code int}.
     * @param arg  the argument.
     * @return the call's result.
     */
    static int call(final MethodHandle h, final int arg)
    {
        try
        {
            return (int)h.invokeExact(arg);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
        }
    }

    /**
     * @param h   a handle taking one pointer.
     * @param arg the argument.
     * @return the call's result.
     */
    static int call(final MethodHandle h, final MemorySegment arg)
    {
        try
        {
            return (int)h.invokeExact(arg);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
        }
    }

    /**
     * @param h   a handle taking one 64-bit value.
     * @param arg the argument.
     * @return the call's result.
     */
    static int call(final MethodHandle h, final long arg)
    {
        try
        {
            return (int)h.invokeExact(arg);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
        }
    }

    /**
     * @param h   a handle taking a pointer and an {@code int}.
     * @param out the pointer.
     * @param arg the {@code int}.
     * @return the call's result.
     */
    static int call(final MethodHandle h, final MemorySegment out, final int arg)
    {
        try
        {
            return (int)h.invokeExact(out, arg);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
        }
    }

    /**
     * @param h   a handle taking two pointers.
     * @param a   the first.
     * @param b   the second.
     * @return the call's result.
     */
    static int call(final MethodHandle h, final MemorySegment a, final MemorySegment b)
    {
        try
        {
            return (int)h.invokeExact(a, b);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("the CUDA driver call failed in the FFM layer", t);
        }
    }

    /**
     * @param address a native address.
     * @return it as a zero-length segment, for pointer arguments.
     */
    static MemorySegment ptr(final long address)
    {
        return MemorySegment.ofAddress(address);
    }

    /**
     * @param out a segment holding one pointer or {@code size_t}.
     * @return it.
     */
    static long word(final MemorySegment out)
    {
        return out.get(ValueLayout.JAVA_LONG, 0);
    }
}
