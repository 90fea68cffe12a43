package dev.cell.enzyme;

import java.util.ArrayList;
import java.util.List;

/**
 * The enzymes a test runs on: the CPU fallback always, and the GPU when this host has one. With
 * {@code CELL_REQUIRE_GPU=1} (the GPU host's script sets it) a missing GPU fails the test instead of leaving it out.
 */
public final class Backends
{
    private Backends()
    {
    }

    /**
     * @return the backends to test: "cpu", then "cuda" where a GPU is found.
     */
    public static List<String> names()
    {
        final List<String> names = new ArrayList<>(List.of("cpu"));
        final CudaEnzyme.Probe probe = CudaEnzyme.probe(EnzymeOptions.defaults());
        if (probe.error() == null)
        {
            names.add("cuda");
        }
        else if ("1".equals(System.getenv("CELL_REQUIRE_GPU")))
        {
            throw new AssertionError("CELL_REQUIRE_GPU=1 but no GPU: " + probe.error().getMessage());
        }
        else
        {
            System.out.println("no GPU here, testing the CPU fallback only: " + probe.error().getMessage());
        }
        return names;
    }

    /**
     * @param name "cpu" or "cuda".
     * @return an enzyme of that backend.
     * @throws CudaError when it cannot be opened.
     */
    public static Enzyme open(final String name) throws CudaError
    {
        return Enzyme.open(EnzymeOptions.defaults().withBackend(name));
    }
}
