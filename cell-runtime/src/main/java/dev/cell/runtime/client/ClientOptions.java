package dev.cell.runtime.client;

import dev.cell.runtime.IdleProfile;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a client connects and waits. Immutable; start from {@link #defaults()}.
 *
 * @param cellHome       where instances on this host register ({@code CELL_HOME}, default {@code ~/.cell}).
 * @param connectTimeout how long to wait for a live instance to appear and welcome us.
 * @param callTimeout    deadline of each call, carried in the request so the instance can drop late work.
 * @param idleProfile    how a waiting caller waits: ECO sleeps (futex), SPIN busy-spins.
 * @param clientName     how this client names itself in the Hello (logs, {@code cell ps}).
 * @param session        the client session its calls carry (exactly-once across retries); null: each
 *                       connection gets a fresh one.
 * @param hungTimeout    how long the instance's heartbeat may stand still while this client waits on it before its
 *                       outstanding calls fail with {@code Unavailable} ("hung or stopped") and the connection
 *                       closes. The instance beats every 100 ms from its duty cycle, so a handler that blocks
 *                       longer than this makes the instance look hung.
 * @param endpoint       a remote instance to reach over an axon, whatever cell is connected; null: the cell's
 *                       {@code cell.endpoint.<cell>} property if set, else the instances on this host.
 * @param race           race the cell's instances per call ({@link RaceOptions}); null: as the cell's
 *                       {@code cell.race.<cell>} property says, else one instance.
 * @since 0.1
 */
public record ClientOptions(
    Path cellHome, Duration connectTimeout, Duration callTimeout, IdleProfile idleProfile, String clientName,
    ClientSession session, Duration hungTimeout, Endpoint endpoint, RaceOptions race)
{
    /**
     * Default {@link #hungTimeout()}: {@code cell.client.hung.timeout.ms} (2000 ms).
     */
    public static final long DEFAULT_HUNG_TIMEOUT_MS = 2_000;

    /**
     * @return options from the environment and system properties: {@code CELL_HOME}, {@code cell.client.connect
     * .timeout} (10s), {@code cell.client.call.timeout} (5s), {@code cell.client.idle} (eco), {@code
     * cell.client.hung.timeout.ms} (2 s).
     */
    public static ClientOptions defaults()
    {
        return new ClientOptions(
            CellHome.resolve(),
            Duration.ofMillis(Long.getLong("cell.client.connect.timeout.ms", 10_000)),
            Duration.ofMillis(Long.getLong("cell.client.call.timeout.ms", 5_000)),
            IdleProfile.parse(System.getProperty("cell.client.idle", "eco")),
            System.getProperty("cell.client.name", ProcessHandle.current().pid() + "@" + hostName()),
            null,
            Duration.ofMillis(Long.getLong("cell.client.hung.timeout.ms", DEFAULT_HUNG_TIMEOUT_MS)), null, null);
    }

    /**
     * @param value a connect timeout.
     * @return a copy with it.
     */
    public ClientOptions withConnectTimeout(final Duration value)
    {
        return new ClientOptions(cellHome, value, callTimeout, idleProfile, clientName, session, hungTimeout, endpoint,
            race);
    }

    /**
     * @param value a call timeout.
     * @return a copy with it.
     */
    public ClientOptions withCallTimeout(final Duration value)
    {
        return new ClientOptions(cellHome, connectTimeout, value, idleProfile, clientName, session, hungTimeout,
            endpoint, race);
    }

    /**
     * @param value an idle profile.
     * @return a copy with it.
     */
    public ClientOptions withIdleProfile(final IdleProfile value)
    {
        return new ClientOptions(cellHome, connectTimeout, callTimeout, value, clientName, session, hungTimeout,
            endpoint, race);
    }

    /**
     * @param value a cell home.
     * @return a copy with it.
     */
    public ClientOptions withCellHome(final Path value)
    {
        return new ClientOptions(value, connectTimeout, callTimeout, idleProfile, clientName, session, hungTimeout,
            endpoint, race);
    }

    /**
     * @param value a client name.
     * @return a copy with it.
     */
    public ClientOptions withClientName(final String value)
    {
        return new ClientOptions(cellHome, connectTimeout, callTimeout, idleProfile, value, session, hungTimeout,
            endpoint, race);
    }

    /**
     * @param value a session shared by the connections opened with these options.
     * @return a copy with it.
     */
    public ClientOptions withSession(final ClientSession value)
    {
        return new ClientOptions(cellHome, connectTimeout, callTimeout, idleProfile, clientName, value, hungTimeout,
            endpoint, race);
    }

    /**
     * @param value a hung timeout (see {@link #hungTimeout()}).
     * @return a copy with it.
     */
    public ClientOptions withHungTimeout(final Duration value)
    {
        return new ClientOptions(cellHome, connectTimeout, callTimeout, idleProfile, clientName, session, value,
            endpoint, race);
    }

    /**
     * @param value a remote instance's endpoint (null: the cell's property, else this host's instances).
     * @return a copy with it.
     */
    public ClientOptions withEndpoint(final Endpoint value)
    {
        return new ClientOptions(cellHome, connectTimeout, callTimeout, idleProfile, clientName, session, hungTimeout,
            value, race);
    }

    /**
     * @param value how to race the cell's instances, or null to follow the system properties.
     * @return a copy with it.
     */
    public ClientOptions withRace(final RaceOptions value)
    {
        return new ClientOptions(cellHome, connectTimeout, callTimeout, idleProfile, clientName, session, hungTimeout,
            endpoint, value);
    }

    private static String hostName()
    {
        final String h = System.getenv("HOSTNAME");
        return h == null ? "localhost" : h;
    }
}
