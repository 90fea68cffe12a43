package dev.cell.registry;

import dev.cell.ring.InstanceFile;
import dev.cell.ring.ServiceTimes;

import java.nio.file.Path;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The load a host's agent reports for one of its instances with each renewal, read from the instance's
 * {@code instance.dat}: calls per second and the median and 99th percentile of handler service time over the last
 * one to two seconds, and the queue depth now (calls accepted and not answered). An instance that served nothing in
 * the window reports 0 for the times; an unreadable file reports {@link RegistryLease.Load#NONE}.
 * <p>
 * Called by one renewing thread; allocates two histograms up front and nothing per call.
 *
 * @since 0.3
 */
final class InstanceLoad implements Supplier<RegistryLease.Load>
{
    /**
     * The window's shortest length: the base snapshot moves forward once it is this old.
     */
    static final long WINDOW_NS = 1_000_000_000L;

    private final Path file;
    private final LongSupplier nanoClock;
    private ServiceTimes base = new ServiceTimes();
    private ServiceTimes now = new ServiceTimes();
    private long baseNs;
    private boolean haveBase;

    /**
     * @param runDir    the instance's run folder.
     * @param nanoClock the clock windows are measured with.
     */
    InstanceLoad(final Path runDir, final LongSupplier nanoClock)
    {
        this.file = runDir.resolve(InstanceFile.FILE_NAME);
        this.nanoClock = nanoClock;
    }

    @Override
    public RegistryLease.Load get()
    {
        final long t = nanoClock.getAsLong();
        if (!InstanceFile.readServiceTimes(file, now))
        {
            haveBase = false;
            return RegistryLease.Load.NONE;
        }
        final long depth = Math.max(0, InstanceFile.readQueueDepth(file));
        if (!haveBase)
        {
            swap(t);
            return new RegistryLease.Load(0, 0, clamp(depth), 0);
        }
        final long elapsedNs = Math.max(1, t - baseNs);
        final long calls = Math.max(0, now.calls() - base.calls());
        final long p50 = now.percentileSince(base, 50.0);
        final long p99 = now.percentileSince(base, 99.0);
        final RegistryLease.Load load = new RegistryLease.Load(micros(p50), micros(p99), clamp(depth),
            clamp(calls * 1_000_000_000L / elapsedNs));
        if (elapsedNs >= WINDOW_NS)
        {
            swap(t);
        }
        return load;
    }

    private void swap(final long t)
    {
        final ServiceTimes older = base;
        base = now;
        now = older;
        baseNs = t;
        haveBase = true;
    }

    private static int micros(final long nanos)
    {
        return nanos < 0 ? 0 : clamp((nanos + 999) / 1000);
    }

    private static int clamp(final long v)
    {
        return (int)Math.min(Integer.MAX_VALUE, Math.max(0, v));
    }
}
