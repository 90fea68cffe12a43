package dev.cell.enzyme;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVRTC, CUDA's run-time compiler, through the FFM API: CUDA C to PTX (and, for a real {@code sm_} target, to a
 * cubin, which runs the assembler and so proves the PTX sound). It needs no GPU and no driver. Optional: enzymes ship
 * PTX and never need it; {@link #main} regenerates the shipped PTX from its CUDA source.
 *
 * @since 0.1
 */
public final class Nvrtc
{
    private static final List<String> LIBRARIES = List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so");

    private final MethodHandle create;
    private final MethodHandle compile;
    private final MethodHandle ptxSize;
    private final MethodHandle ptx;
    private final MethodHandle cubinSize;
    private final MethodHandle logSize;
    private final MethodHandle log;
    private final MethodHandle destroy;

    private Nvrtc(final SymbolLookup lib)
    {
        final Linker linker = Linker.nativeLinker();
        final FunctionDescriptor pp = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        create = linker.downcallHandle(find(lib, "nvrtcCreateProgram"), FunctionDescriptor.of(JAVA_INT, ADDRESS,
            ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compile = linker.downcallHandle(find(lib, "nvrtcCompileProgram"), FunctionDescriptor.of(JAVA_INT, ADDRESS,
            JAVA_INT, ADDRESS));
        ptxSize = linker.downcallHandle(find(lib, "nvrtcGetPTXSize"), pp);
        ptx = linker.downcallHandle(find(lib, "nvrtcGetPTX"), pp);
        cubinSize = linker.downcallHandle(find(lib, "nvrtcGetCUBINSize"), pp);
        logSize = linker.downcallHandle(find(lib, "nvrtcGetProgramLogSize"), pp);
        log = linker.downcallHandle(find(lib, "nvrtcGetProgramLog"), pp);
        destroy = linker.downcallHandle(find(lib, "nvrtcDestroyProgram"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static MemorySegment find(final SymbolLookup lib, final String name)
    {
        return lib.find(name).orElseThrow(() -> new IllegalArgumentException("libnvrtc has no " + name));
    }

    /**
     * @param library a library name or path, or null to try {@code libnvrtc.so.13}, {@code .12}, then {@code .so}.
     * @return NVRTC.
     * @throws IllegalArgumentException when none loads.
     */
    public static Nvrtc load(final String library)
    {
        IllegalArgumentException last = null;
        for (final String name : library == null ? LIBRARIES : List.of(library))
        {
            try
            {
                return new Nvrtc(SymbolLookup.libraryLookup(name, Arena.global()));
            }
            catch (final IllegalArgumentException ex)
            {
                last = ex;
            }
        }
        throw new IllegalArgumentException("no NVRTC library (" + (library == null ? LIBRARIES : library) + ")", last);
    }

    /**
     * What a compilation made.
     *
     * @param ptx        the PTX, when the target was a virtual {@code compute_} architecture; else empty.
     * @param cubinBytes the cubin's size, when the target was a real {@code sm_} architecture; else 0.
     * @param log        the compiler's messages.
     */
    public record Output(String ptx, long cubinBytes, String log)
    {
    }

    /**
     * @param source  CUDA C.
     * @param name    the source's name, for messages.
     * @param options NVRTC options, e.g. {@code --gpu-architecture=compute_80}.
     * @return what it made.
     * @throws IllegalStateException with the compiler's log when compilation fails.
     */
    public Output compile(final String source, final String name, final List<String> options)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment prog = arena.allocate(ADDRESS);
            check("nvrtcCreateProgram", (int)create.invokeExact(prog, arena.allocateFrom(source),
                arena.allocateFrom(name), 0, MemorySegment.NULL, MemorySegment.NULL));
            final MemorySegment handle = prog.get(ADDRESS, 0);
            try
            {
                final MemorySegment opts = arena.allocate(ADDRESS, options.size());
                for (int i = 0; i < options.size(); i++)
                {
                    opts.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                final int rc = (int)compile.invokeExact(handle, options.size(), opts);
                final String messages = text(arena, handle, logSize, log);
                if (rc != 0)
                {
                    throw new IllegalStateException(name + " does not compile (nvrtc " + rc + "):\n" + messages);
                }
                final boolean real = options.stream().anyMatch(o -> o.contains("=sm_") || o.startsWith("-arch=sm_"));
                if (real)
                {
                    final MemorySegment size = arena.allocate(JAVA_LONG);
                    check("nvrtcGetCUBINSize", (int)cubinSize.invokeExact(handle, size));
                    return new Output("", size.get(JAVA_LONG, 0), messages);
                }
                return new Output(text(arena, handle, ptxSize, ptx), 0, messages);
            }
            finally
            {
                final int ignored = (int)destroy.invokeExact(prog);
            }
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("the NVRTC call failed in the FFM layer", t);
        }
    }

    private static String text(final Arena arena, final MemorySegment handle, final MethodHandle sizeOf,
        final MethodHandle get) throws Throwable
    {
        final MemorySegment size = arena.allocate(JAVA_LONG);
        check("size", (int)sizeOf.invokeExact(handle, size));
        final long n = size.get(JAVA_LONG, 0);
        if (n <= 1)
        {
            return "";
        }
        final MemorySegment buf = arena.allocate(n);
        check("get", (int)get.invokeExact(handle, buf));
        return new String(buf.asSlice(0, n - 1).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    private static void check(final String call, final int rc)
    {
        if (rc != 0)
        {
            throw new IllegalStateException(call + " returned nvrtc error " + rc);
        }
    }

    /**
     * The PTX every shipped kernel is compiled to: {@code compute_80} (Ampere), which the driver's JIT compiles for
     * any newer GPU (Hopper, Blackwell) when the module loads.
     */
    public static final List<String> PTX_OPTIONS = List.of("--gpu-architecture=compute_80", "--std=c++17",
        "-default-device");

    /**
     * Regenerates a PTX file from its CUDA source, and checks it assembles for each {@code sm_} target given.
     *
     * @param args the {@code .cu} file, the {@code .ptx} file to write, then real targets such as {@code sm_90}.
     * @throws IOException when a file cannot be read or written.
     */
    public static void main(final String[] args) throws IOException
    {
        if (args.length < 2)
        {
            System.err.println("usage: Nvrtc <source.cu> <out.ptx> [sm_90 ...]   (CELL_NVRTC_LIBRARY names the library)");
            System.exit(2);
        }
        final Nvrtc nvrtc = load(System.getenv("CELL_NVRTC_LIBRARY"));
        final Path source = Path.of(args[0]);
        final String cu = Files.readString(source);
        final Output out = nvrtc.compile(cu, source.getFileName().toString(), PTX_OPTIONS);
        Files.writeString(Path.of(args[1]), out.ptx());
        System.out.println(args[1] + ": " + out.ptx().length() + " characters of PTX" +
            (out.log().isBlank() ? "" : "\n" + out.log()));
        for (int i = 2; i < args.length; i++)
        {
            final Output cubin = nvrtc.compile(cu, source.getFileName().toString(),
                List.of("--gpu-architecture=" + args[i], "--std=c++17", "-default-device"));
            System.out.println(args[i] + ": assembles, " + cubin.cubinBytes() + " bytes of cubin");
        }
    }
}
