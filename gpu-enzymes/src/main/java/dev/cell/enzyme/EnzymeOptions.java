package dev.cell.enzyme;

import java.util.Locale;
import java.util.Map;

/**
 * How an enzyme picks its device. Read once, from the environment the supervisor gives the instance
 * ({@link #fromEnvironment}), or built in code.
 *
 * @param backend    {@code auto} (a GPU when the driver finds one, else the CPU), {@code cuda} (a GPU or an error) or
 *                   {@code cpu}.
 * @param device     which visible device (the supervisor narrows what is visible with
 *                   {@code CUDA_VISIBLE_DEVICES}).
 * @param library    the CUDA driver library to load.
 * @param cacheLimit the most device (and, apart, pinned) bytes the pools keep for reuse.
 * @param reason     why the backend was chosen, when it was chosen for the instance (shown in its start log).
 * @since 0.1
 */
public record EnzymeOptions(String backend, int device, String library, long cacheLimit, String reason)
{
    /**
     * The environment variable the supervisor sets: {@code cuda} for an instance given devices, {@code cpu} for one
     * that runs as CPU fallback.
     */
    public static final String BACKEND_ENV = "CELL_ENZYME_BACKEND";
    /**
     * The environment variable naming another driver library (default {@code libcuda.so.1}).
     */
    public static final String LIBRARY_ENV = "CELL_CUDA_LIBRARY";
    /**
     * The environment variable in which the supervisor says why it chose the CPU.
     */
    public static final String REASON_ENV = "CELL_ENZYME_REASON";

    /**
     * @throws IllegalArgumentException for an unknown backend or a negative device or limit.
     */
    public EnzymeOptions
    {
        if (!backend.equals("auto") && !backend.equals("cuda") && !backend.equals("cpu"))
        {
            throw new IllegalArgumentException(BACKEND_ENV + " is auto, cuda or cpu, not '" + backend + "'");
        }
        if (device < 0 || cacheLimit < 0)
        {
            throw new IllegalArgumentException("device and cache limit are at least 0");
        }
    }

    /**
     * @return auto, device 0, {@code libcuda.so.1}, 1 GiB of cache.
     */
    public static EnzymeOptions defaults()
    {
        return new EnzymeOptions("auto", 0, "libcuda.so.1", 1L << 30, "");
    }

    /**
     * @param env an environment ({@code System.getenv()}).
     * @return the defaults with what the environment says.
     */
    public static EnzymeOptions fromEnvironment(final Map<String, String> env)
    {
        final String backend = env.getOrDefault(BACKEND_ENV, "auto").trim().toLowerCase(Locale.ROOT);
        final String visible = env.get("CUDA_VISIBLE_DEVICES");
        final String why = env.get(REASON_ENV);
        final String reason = backend.equals("cpu") ? "the supervisor chose the CPU (" + BACKEND_ENV + "=cpu" +
            (why == null || why.isBlank() ? "" : ": " + why) + ")" :
            visible == null ? "" : "CUDA_VISIBLE_DEVICES=" + visible;
        return new EnzymeOptions(backend.isEmpty() ? "auto" : backend, 0,
            env.getOrDefault(LIBRARY_ENV, "libcuda.so.1"), 1L << 30, reason);
    }

    /**
     * @param backend auto, cuda or cpu.
     * @return a copy with it.
     */
    public EnzymeOptions withBackend(final String backend)
    {
        return new EnzymeOptions(backend, device, library, cacheLimit, reason);
    }
}
