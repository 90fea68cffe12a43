package dev.cell.enzyme;

import dev.cell.enzyme.kernels.VectorKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelLaunchTest
{
    static List<String> backends()
    {
        return Backends.names();
    }

    @Test
    void shouldReadEachKernelsParameterSizesFromThePtx()
    {
        final var entries = PtxEntries.read(VectorKernels.module().ptx());
        assertArrayEquals(new int[] {8, 8, 8, 4, 4, 4}, entries.get(VectorKernels.COSINE_SCORES));
        assertArrayEquals(new int[0], PtxEntries.read(".visible .entry none()\n{ ret; }").get("none"));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void shouldRefuseALaunchWhoseArgumentsDoNotMatchTheKernel(final String backend) throws CudaError
    {
        try (Enzyme enzyme = Backends.open(backend);
            KernelModule module = enzyme.load(VectorKernels.module());
            DeviceBuffer buffer = enzyme.alloc(4096);
            Stream stream = enzyme.stream())
        {
            final Kernel kernel = module.kernel(VectorKernels.COSINE_SCORES);
            final KernelArgs args = new KernelArgs(8);
            final IllegalArgumentException tooFew = assertThrows(IllegalArgumentException.class, () -> stream.launch(
                kernel, Dim.of(1), Dim.of(32), 0, args.clear().buffer(buffer).buffer(buffer).i32(1)));
            assertTrue(tooFew.getMessage().contains("takes 6 arguments, 3 given"), tooFew.getMessage());
            final IllegalArgumentException wrongSize = assertThrows(IllegalArgumentException.class, () -> stream.launch(
                kernel, Dim.of(1), Dim.of(32), 0,
                args.clear().buffer(buffer).buffer(buffer).buffer(buffer).i32(1).i64(1).i32(1)));
            assertTrue(wrongSize.getMessage().contains("argument 4"), wrongSize.getMessage());
            final CudaError missing = assertThrows(CudaError.class, () -> module.kernel("no_such_kernel"));
            assertEquals("cuModuleGetFunction", missing.call());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void shouldRefuseCopiesOutsideABuffer(final String backend) throws CudaError
    {
        try (Enzyme enzyme = Backends.open(backend);
            DeviceBuffer device = enzyme.alloc(100);
            HostBuffer host = enzyme.pinned(100);
            Stream stream = enzyme.stream())
        {
            assertThrows(IndexOutOfBoundsException.class, () -> stream.copyIn(host, 0, device, 1, 100));
            assertThrows(IndexOutOfBoundsException.class, () -> stream.copyOut(device, -1, host, 0, 10));
            assertThrows(IndexOutOfBoundsException.class, () -> stream.copyOut(device, 0, host, 0, 101));
            assertThrows(IndexOutOfBoundsException.class, () -> stream.copyIn(host, Long.MAX_VALUE, device, 0, 2));
            device.close();
            assertThrows(IllegalStateException.class, () -> stream.copyIn(host, 0, device, 0, 4));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void shouldRoundTripThroughDeviceMemoryAndTimeWithEvents(final String backend) throws CudaError
    {
        try (Enzyme enzyme = Backends.open(backend);
            DeviceBuffer a = enzyme.alloc(4000);
            DeviceBuffer b = enzyme.alloc(4000);
            HostBuffer in = enzyme.pinned(4000);
            HostBuffer out = enzyme.pinned(4000);
            Stream stream = enzyme.stream();
            Event start = enzyme.event();
            Event end = enzyme.event())
        {
            for (int i = 0; i < 1000; i++)
            {
                in.segment().setAtIndex(JAVA_FLOAT, i, i * 0.5f);
            }
            stream.record(start);
            stream.copyIn(in, 0, a, 0, 4000);
            stream.copy(a, 0, b, 0, 4000);
            stream.copyOut(b, 0, out, 0, 4000);
            stream.record(end);
            end.sync();
            stream.sync();
            for (int i = 0; i < 1000; i++)
            {
                assertEquals(i * 0.5f, out.segment().getAtIndex(JAVA_FLOAT, i));
            }
            assertTrue(end.millisSince(start) >= 0);
            final Enzyme.MemoryUse use = enzyme.memory();
            assertEquals(8192, use.pooledInUse());
            if (enzyme.device().backend() == Backend.CUDA)
            {
                assertTrue(use.free() > 0 && use.free() <= use.total(), use.toString());
                assertTrue(enzyme.device().totalMemory() > 0 && !enzyme.device().name().isEmpty());
                System.out.println(enzyme.device().describe());
            }
        }
    }
}
