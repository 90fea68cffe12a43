package dev.cell.enzyme;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What a module is made of: PTX for the GPU (shipped in the cell's jar) and a Java implementation of each of its
 * kernels for the CPU fallback.
 *
 * @param name a name for errors and logs.
 * @param ptx  the PTX text.
 * @param cpu  each kernel's CPU implementation, by kernel name.
 * @since 0.1
 */
public record ModuleSource(String name, String ptx, Map<String, CpuKernel> cpu)
{
    /**
     * @param name a name for errors and logs.
     * @param ptx  the PTX text.
     * @param cpu  each kernel's CPU implementation, by kernel name.
     */
    public ModuleSource
    {
        cpu = Map.copyOf(cpu);
    }

    /**
     * @param anchor   a class whose loader holds the resource.
     * @param resource the PTX file's resource name (relative to the anchor's package unless it starts with /).
     * @param cpu      each kernel's CPU implementation, by kernel name.
     * @return the module's source.
     * @throws UncheckedIOException when the resource is missing.
     */
    public static ModuleSource fromResource(final Class<?> anchor, final String resource,
        final Map<String, CpuKernel> cpu)
    {
        try (InputStream in = anchor.getResourceAsStream(resource))
        {
            if (in == null)
            {
                throw new IOException("no resource " + resource + " next to " + anchor.getName());
            }
            return new ModuleSource(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8), cpu);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
