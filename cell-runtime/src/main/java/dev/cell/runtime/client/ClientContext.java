package dev.cell.runtime.client;

import dev.cell.ring.JunctionDescriptor;
import dev.cell.runtime.IdleProfile;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Every setting of one client connection, clocks included: the {@link ClientOptions} it was opened with, plus what
 * only a system property sets. {@link #conclude()} reads those properties (the only place the client reads any) and
 * fills the defaults; after it the context does not change.
 *
 * @since 0.1
 */
public final class ClientContext
{
    /**
     * Capacity of each ring of a junction this client creates: {@code cell.junction.capacity} (bytes).
     */
    public static final String JUNCTION_CAPACITY_PROPERTY = "cell.junction.capacity";

    private final ClientOptions options;
    private EpochClock epochClock;
    private NanoClock nanoClock;
    private int junctionCapacity;
    private long hungTimeoutNs;
    private boolean concluded;

    /**
     * @param options the connection's options.
     */
    public ClientContext(final ClientOptions options)
    {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * @param options the connection's options.
     * @return a concluded context for them, with the system clocks.
     */
    public static ClientContext of(final ClientOptions options)
    {
        return new ClientContext(options).conclude();
    }

    /**
     * Fill the defaults, read the system properties; once only.
     *
     * @return this.
     */
    public ClientContext conclude()
    {
        if (concluded)
        {
            throw new IllegalStateException("client context already concluded");
        }
        concluded = true;
        if (epochClock == null)
        {
            epochClock = SystemEpochClock.INSTANCE;
        }
        if (nanoClock == null)
        {
            nanoClock = SystemNanoClock.INSTANCE;
        }
        if (junctionCapacity == 0)
        {
            junctionCapacity = Integer.getInteger(JUNCTION_CAPACITY_PROPERTY, JunctionDescriptor.DEFAULT_CAPACITY);
        }
        final java.time.Duration hung = options.hungTimeout();
        hungTimeoutNs = hung == null ? ClientOptions.DEFAULT_HUNG_TIMEOUT_MS * 1_000_000L : Math.max(1, hung.toNanos());
        return this;
    }

    /**
     * @param clock the epoch clock (before {@link #conclude()}).
     * @return this.
     */
    public ClientContext epochClock(final EpochClock clock)
    {
        this.epochClock = clock;
        return this;
    }

    /**
     * @param clock the monotonic clock (before {@link #conclude()}).
     * @return this.
     */
    public ClientContext nanoClock(final NanoClock clock)
    {
        this.nanoClock = clock;
        return this;
    }

    /**
     * @param bytes each ring's capacity (before {@link #conclude()}); 0 for the default.
     * @return this.
     */
    public ClientContext junctionCapacity(final int bytes)
    {
        this.junctionCapacity = bytes;
        return this;
    }

    /**
     * @return the options.
     */
    public ClientOptions options()
    {
        return options;
    }

    /**
     * @return the epoch clock.
     */
    public EpochClock epochClock()
    {
        return epochClock;
    }

    /**
     * @return the monotonic clock.
     */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * @return each ring's capacity.
     */
    public int junctionCapacity()
    {
        return junctionCapacity;
    }

    /**
     * @return how long the instance's heartbeat may stand still before it counts as hung.
     */
    public long hungTimeoutNs()
    {
        return hungTimeoutNs;
    }

    /**
     * @return the call timeout.
     */
    public long callTimeoutNs()
    {
        return options.callTimeout().toNanos();
    }

    /**
     * @return the connect timeout.
     */
    public long connectTimeoutNs()
    {
        return options.connectTimeout().toNanos();
    }

    /**
     * @return the cell home.
     */
    public Path cellHome()
    {
        return options.cellHome();
    }

    /**
     * @return the idle profile of waiting threads.
     */
    public IdleProfile idleProfile()
    {
        return options.idleProfile();
    }

    /**
     * @return the client's name, never null.
     */
    public String clientName()
    {
        return options.clientName() == null ? "" : options.clientName();
    }

    @Override
    public String toString()
    {
        return "ClientContext{cellHome=" + options.cellHome() + ", connectTimeoutMs=" +
            options.connectTimeout().toMillis() + ", callTimeoutMs=" + options.callTimeout().toMillis() +
            ", idle=" + options.idleProfile() + ", hungTimeoutNs=" + hungTimeoutNs + ", junctionCapacity=" +
            junctionCapacity + "}";
    }
}
