package dev.cell.enzyme;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped PTX is what NVRTC makes of the shipped CUDA source, and it assembles for Hopper. Needs NVRTC (no GPU):
 * {@code CELL_NVRTC_LIBRARY} names it; without it the test is left out unless {@code CELL_REQUIRE_NVRTC=1}.
 */
class ShippedPtxTest
{
    @Test
    void shouldBeWhatNvrtcMakesOfTheSource() throws IOException
    {
        final Nvrtc nvrtc;
        try
        {
            nvrtc = Nvrtc.load(System.getenv("CELL_NVRTC_LIBRARY"));
        }
        catch (final IllegalArgumentException ex)
        {
            Assumptions.assumeFalse(!"1".equals(System.getenv("CELL_REQUIRE_NVRTC")), "no NVRTC: " + ex.getMessage());
            throw ex;
        }
        final String source = resource("vector.cu");
        final Nvrtc.Output ptx = nvrtc.compile(source, "vector.cu", Nvrtc.PTX_OPTIONS);
        assertEquals(resource("vector.ptx"), ptx.ptx(), "regenerate vector.ptx (gpu-enzymes/README.md)");
        final Nvrtc.Output cubin = nvrtc.compile(source, "vector.cu", List.of("--gpu-architecture=sm_90",
            "-default-device"));
        assertTrue(cubin.cubinBytes() > 0);
    }

    private static String resource(final String name) throws IOException
    {
        try (InputStream in = ShippedPtxTest.class.getResourceAsStream("/dev/cell/enzyme/kernels/" + name))
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
