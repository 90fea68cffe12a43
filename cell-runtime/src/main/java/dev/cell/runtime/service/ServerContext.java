package dev.cell.runtime.service;

import dev.cell.runtime.CellLifecycle;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.trace.TraceOptions;
import org.agrona.concurrent.EpochClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Every setting of one instance, clocks included: what {@link CellServer#start} was given ({@link ServerOptions},
 * the cell, its folders, its log) plus what only a system property sets ({@link PeerTimeouts}, {@link IdleTimeout}).
 * {@link #conclude()} reads those properties (the only place the instance reads any, when it starts) and fills the
 * defaults; after it the context does not change.
 *
 * @since 0.1
 */
public final class ServerContext
{
    private final String cellName;
    private final String instanceId;
    private final Genome genome;
    private final Dispatcher dispatcher;
    private final CellLifecycle lifecycle;
    private final Path cellDir;
    private final Path runDir;
    private final ServerOptions options;
    private final CellLog log;
    private EpochClock epochClock;
    private NanoClock nanoClock;
    private long clientTimeoutNs;
    private long claimTimeoutNs;
    private long idleTimeoutNs = -1;
    private long fingerprint;
    private String genomeJson;
    private FrameCheck requestCheck;
    private boolean concluded;

    /**
     * @param cellName   the served name.
     * @param instanceId the instance's id.
     * @param genome     the cell's genome.
     * @param dispatcher runs requests.
     * @param lifecycle  the cell's start/stop hooks, or null.
     * @param cellDir    the cell's folder (absolute).
     * @param runDir     the instance's run folder.
     * @param options    the options it was started with.
     * @param log        the instance log.
     */
    public ServerContext(
        final String cellName,
        final String instanceId,
        final Genome genome,
        final Dispatcher dispatcher,
        final CellLifecycle lifecycle,
        final Path cellDir,
        final Path runDir,
        final ServerOptions options,
        final CellLog log)
    {
        this.cellName = Objects.requireNonNull(cellName, "cellName");
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.genome = Objects.requireNonNull(genome, "genome");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.lifecycle = lifecycle;
        this.cellDir = cellDir;
        this.runDir = runDir;
        this.options = options;
        this.log = log;
    }

    /**
     * Fill the defaults, read the system properties; once only.
     *
     * @return this.
     * @throws IllegalArgumentException naming a property whose value is not valid.
     */
    public ServerContext conclude()
    {
        if (concluded)
        {
            throw new IllegalStateException("server context already concluded");
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
        final PeerTimeouts timeouts = PeerTimeouts.fromProperties();
        if (clientTimeoutNs == 0)
        {
            clientTimeoutNs = timeouts.clientTimeoutNs();
        }
        if (claimTimeoutNs == 0)
        {
            claimTimeoutNs = timeouts.claimTimeoutNs();
        }
        if (idleTimeoutNs < 0)
        {
            idleTimeoutNs = IdleTimeout.fromProperty();
        }
        fingerprint = genome.fingerprintValue();
        genomeJson = genome.toJson();
        requestCheck = FrameCheck.of(genome);
        return this;
    }

    /**
     * @param clock the epoch clock (before {@link #conclude()}).
     * @return this.
     */
    public ServerContext epochClock(final EpochClock clock)
    {
        this.epochClock = clock;
        return this;
    }

    /**
     * @param clock the monotonic clock (before {@link #conclude()}).
     * @return this.
     */
    public ServerContext nanoClock(final NanoClock clock)
    {
        this.nanoClock = clock;
        return this;
    }

    /**
     * @param ns how long a client's heartbeat may stand still (before {@link #conclude()}); 0 for the property.
     * @return this.
     */
    public ServerContext clientTimeoutNs(final long ns)
    {
        this.clientTimeoutNs = ns;
        return this;
    }

    /**
     * @param ns how long a client may leave a claim uncommitted (before {@link #conclude()}); 0 for the property.
     * @return this.
     */
    public ServerContext claimTimeoutNs(final long ns)
    {
        this.claimTimeoutNs = ns;
        return this;
    }

    /**
     * @param ns idle time after which the instance stops itself, 0 never (before {@link #conclude()}).
     * @return this.
     */
    public ServerContext idleTimeoutNs(final long ns)
    {
        this.idleTimeoutNs = ns;
        return this;
    }

    /**
     * @return the served name.
     */
    public String cellName()
    {
        return cellName;
    }

    /**
     * @return the instance's id.
     */
    public String instanceId()
    {
        return instanceId;
    }

    /**
     * @return the genome.
     */
    public Genome genome()
    {
        return genome;
    }

    /**
     * @return the genome's fingerprint.
     */
    public long fingerprint()
    {
        return fingerprint;
    }

    /**
     * @return the genome as JSON.
     */
    public String genomeJson()
    {
        return genomeJson;
    }

    /**
     * @return the check of requests against the genome.
     */
    FrameCheck requestCheck()
    {
        return requestCheck;
    }

    /**
     * @return runs requests.
     */
    public Dispatcher dispatcher()
    {
        return dispatcher;
    }

    /**
     * @return the start/stop hooks, or null.
     */
    public CellLifecycle lifecycle()
    {
        return lifecycle;
    }

    /**
     * @return the cell's folder.
     */
    public Path cellDir()
    {
        return cellDir;
    }

    /**
     * @return the instance's run folder.
     */
    public Path runDir()
    {
        return runDir;
    }

    /**
     * @return the cell home.
     */
    public Path cellHome()
    {
        return options.cellHome();
    }

    /**
     * @return the duty cycle's idle profile.
     */
    public IdleProfile idleProfile()
    {
        return options.idleProfile();
    }

    /**
     * @return most connections served at once.
     */
    public int maxConnections()
    {
        return options.maxConnections();
    }

    /**
     * @return the instance log.
     */
    public CellLog log()
    {
        return log;
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
     * @return how long a client's heartbeat may stand still before its junction is reclaimed.
     */
    public long clientTimeoutNs()
    {
        return clientTimeoutNs;
    }

    /**
     * @return how long a client may leave a claim uncommitted before its junction is reclaimed.
     */
    public long claimTimeoutNs()
    {
        return claimTimeoutNs;
    }

    /**
     * @return idle time after which the instance stops itself; 0 never.
     */
    public long idleTimeoutNs()
    {
        return idleTimeoutNs;
    }

    /**
     * @return how remote callers reach the instance; null for none.
     */
    public AxonOptions axon()
    {
        return options.axon();
    }

    /**
     * @return true when the instance counts calls per handler.
     */
    public boolean handlerMetrics()
    {
        return options.handlerMetrics();
    }

    /**
     * @return which requests get a span record, and where spans are exported.
     */
    public TraceOptions trace()
    {
        return options.trace() == null ? TraceOptions.DEFAULT : options.trace();
    }

    @Override
    public String toString()
    {
        return "ServerContext{cell=" + cellName + ", instance=" + instanceId + ", runDir=" + runDir +
            ", idle=" + options.idleProfile() + ", maxConnections=" + options.maxConnections() +
            ", clientTimeoutNs=" + clientTimeoutNs + ", claimTimeoutNs=" + claimTimeoutNs +
            ", idleTimeoutNs=" + idleTimeoutNs + "}";
    }
}
