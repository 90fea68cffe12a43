package dev.cell.runtime.client;

import dev.cell.ring.JunctionDescriptor;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.identity.Identity;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Every setting of one client connection, clocks included: the {@link ClientOptions} it was opened with, plus what
 * only a system property sets. {@link #conclude()} reads those properties and fills the defaults; after it the
 * context does not change, except for what is looked up when first needed: the identity the caller proves
 * ({@code cell.identity.file}, read once) and a cell's configured endpoint ({@code cell.endpoint.<cell>}, read per
 * connect).
 *
 * @since 0.1
 */
public final class ClientContext
{
    /**
     * Capacity of each ring of a junction this client creates: {@code cell.junction.capacity} (bytes).
     */
    public static final String JUNCTION_CAPACITY_PROPERTY = "cell.junction.capacity";

    /**
     * System property: the file of this process's identity key (an instance sets its cell's); default the host's,
     * {@code $CELL_HOME/identity/host.key}.
     */
    public static final String IDENTITY_FILE_PROPERTY = "cell.identity.file";

    /**
     * System property: open axon sessions in plaintext (measurements only; the instance must take plaintext too).
     */
    public static final String AXON_PLAINTEXT_PROPERTY = "cell.axon.plaintext";

    private final ClientOptions options;
    private EpochClock epochClock;
    private NanoClock nanoClock;
    private int junctionCapacity;
    private long hungTimeoutNs;
    private Identity identity;
    private boolean axonPlaintext;
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
        axonPlaintext = axonPlaintext || Boolean.getBoolean(AXON_PLAINTEXT_PROPERTY);
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
     * @param value true for plaintext axon sessions (measurements).
     * @return this.
     */
    public ClientContext axonPlaintext(final boolean value)
    {
        this.axonPlaintext = value;
        return this;
    }

    /**
     * @return whether axon sessions are opened in plaintext.
     */
    public boolean axonPlaintext()
    {
        return axonPlaintext;
    }

    /**
     * @param cell a cell's served name.
     * @return the remote endpoint to reach it at: the options' endpoint, else {@code cell.endpoint.<cell>}; null for
     * this host's instances.
     */
    public Endpoint endpointOf(final String cell)
    {
        if (options.endpoint() != null)
        {
            return options.endpoint();
        }
        final Endpoint named = Endpoint.fromProperties(cell);
        final int at = cell.indexOf('@');
        return named != null || at < 0 ? named : Endpoint.fromProperties(cell.substring(0, at));
    }

    /**
     * @param cell a cell's served name.
     * @return every remote endpoint to race it at: the options' endpoint alone, else {@code cell.endpoint.<cell>}
     * (a list; the name without {@code @major} when the served name has none set); empty for none.
     */
    public java.util.List<Endpoint> endpointsOf(final String cell)
    {
        if (options.endpoint() != null)
        {
            return java.util.List.of(options.endpoint());
        }
        final java.util.List<Endpoint> named = Endpoint.allFromProperties(cell);
        final int at = cell.indexOf('@');
        return !named.isEmpty() || at < 0 ? named : Endpoint.allFromProperties(cell.substring(0, at));
    }

    /**
     * System property prefix: {@code cell.token.<cell>} is the access token this process presents to instances of
     * that cell ({@link dev.cell.runtime.identity.AccessToken}, from an identity the cell allows).
     */
    public static final String TOKEN_PROPERTY_PREFIX = "cell.token.";

    /**
     * @param cell a cell's name.
     * @return the access token to present to its instances ({@code cell.token.<cell>}, else that of its name without
     * a major version), or null.
     */
    public String accessToken(final String cell)
    {
        final String token = System.getProperty(TOKEN_PROPERTY_PREFIX + cell);
        final int at = cell.indexOf('@');
        return token != null || at < 0 ? token : System.getProperty(TOKEN_PROPERTY_PREFIX + cell.substring(0, at));
    }

    /**
     * @return this process's identity (loaded or created on first use).
     */
    public synchronized Identity identity()
    {
        if (identity == null)
        {
            final String file = System.getProperty(IDENTITY_FILE_PROPERTY);
            identity = file != null ? Identity.loadOrCreate(Path.of(file)) : Identity.host(options.cellHome());
        }
        return identity;
    }

    /**
     * @param value the identity to prove to remote instances.
     * @return this.
     */
    public synchronized ClientContext identity(final Identity value)
    {
        this.identity = value;
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
