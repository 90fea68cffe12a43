package dev.cell.raft;

import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Ratis properties, peers and clients as this project configures them (shared by replicas and the benchmark's plain
 * Ratis baseline, so both are measured with the same settings).
 */
final class RaftSetup
{
    /**
     * Ratis' Netty server logs every connection at INFO through java.util.logging; held here so the level sticks.
     */
    private static final java.util.logging.Logger NETTY_LOGGING = java.util.logging.Logger.getLogger(
        "org.apache.ratis.thirdparty.io.netty.handler.logging.LoggingHandler");

    /** A forwarding client's request timeout (it retries, up to 150 times, 100 ms apart). */
    private static final long REQUEST_TIMEOUT_MS = 3_000;
    /** A reader client's one attempt: a leader's read index takes one heartbeat round. */
    static final long READ_TIMEOUT_MS = 2_000;

    static
    {
        NETTY_LOGGING.setLevel(java.util.logging.Level.WARNING);
    }

    /**
     * The appender's back-off after failed appends: 10 at 1 ms, then 100 ms for a minute, then 500 ms.
     */
    static final String APPENDER_RETRY = "1ms,10, 100ms,600, 500ms,1000000";

    /**
     * Settings measured to shorten a commit without weakening durability (perf/README.md, "Tuning: what was measured
     * and decided"). Ratis' log worker already groups the entries queued behind a sync into the next fsync and
     * its appender sends every pending entry in one append: nothing here trades durability for speed. Rejected because
     * they acknowledge writes a power loss of a majority could lose: {@code raft.server.log.unsafe-flush.enabled}
     * (counts an entry flushed before its fsync) and {@code raft.server.log.async-flush.enabled} (in Ratis 3.3.0 the
     * asynchronous sync marks as flushed every entry written by the time it completes, also those written after it
     * started); both stay false. {@code raft.server.log.appender.wait-time.min} (gRPC's appender only) stays at 1 ms:
     * 0 measured no better.
     * <p>
     * {@code raft.server.log.log-metadata.enabled = false}: by default the leader appends a metadata entry (the new
     * commit index) after every commit, which is replicated and fsync'ed like a command: for each command two log
     * entries, two fsyncs on every server and two appends per follower, and the next command's sync queues behind the
     * metadata entry's. The commit index is not needed for safety (Raft does not persist it; a restarted server learns
     * it from the leader, and the ledger records what it applied).
     */
    static final Map<String, String> TUNED = Map.of(RaftServerConfigKeys.Log.LOG_METADATA_ENABLED_KEY, "false");

    private RaftSetup()
    {
    }

    static RaftPeerId peerId(final int slot)
    {
        return RaftPeerId.valueOf("r" + slot);
    }

    static RaftPeer peer(final int slot, final int port)
    {
        return peer(slot, GroupConfig.LOOPBACK, port, false);
    }

    static RaftPeer peer(final int slot, final String host, final int port, final boolean listener)
    {
        final String address = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
        return RaftPeer.newBuilder().setId(peerId(slot)).setAddress(address)
            .setStartupRole(listener ? RaftPeerRole.LISTENER : RaftPeerRole.FOLLOWER).build();
    }

    static RaftGroup group(final UUID groupId, final Map<Integer, Integer> ports, final List<Integer> members)
    {
        final List<RaftPeer> peers = new ArrayList<>();
        for (final int m : members)
        {
            peers.add(peer(m, ports.get(m)));
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(groupId), peers);
    }

    /**
     * @return the group's voters and listeners, each at its host and port.
     */
    static RaftGroup group(final GroupConfig config, final List<Integer> members, final List<Integer> listeners)
    {
        final List<RaftPeer> peers = new ArrayList<>();
        for (final int m : members)
        {
            peers.add(peer(m, config.host(m), config.ports.get(m), false));
        }
        for (final int l : listeners)
        {
            peers.add(peer(l, config.host(l), config.ports.get(l), true));
        }
        return RaftGroup.valueOf(RaftGroupId.valueOf(config.groupId), peers);
    }

    /**
     * The server's properties. Log purging is deliberate: after each snapshot Ratis deletes the closed log segments
     * that lie entirely below {@code snapshot index - logPreserve} (purge up to the snapshot index, not only to the
     * slowest follower's commit index, so a replica that is down cannot make the log grow without bound; a purge is
     * attempted once {@code raft.server.log.purge.gap} = 1024 entries accumulated). A follower that needs an entry the
     * leader purged, or a new or wiped replica, gets the leader's newest snapshot installed: the files of the
     * {@code FileListSnapshotInfo} the state machine reports are copied in chunks with an MD5 per file (Ratis computes
     * and checks it), renamed into the follower's {@code snapshots/}, then {@code CellStateMachine.reinitialize}
     * loads them.
     */
    static RaftProperties serverProperties(
        final File storage, final String host, final int port, final ReplicaOptions.Transport transport,
        final long electionMs,
        final long snapshotEvery, final long logPreserve, final Map<String, String> overrides)
    {
        final RaftProperties p = new RaftProperties();
        transport(p, transport);
        if (transport == ReplicaOptions.Transport.NETTY)
        {
            NettyConfigKeys.Server.setHost(p, host);
            NettyConfigKeys.Server.setPort(p, port);
        }
        else
        {
            GrpcConfigKeys.Server.setHost(p, host);
            GrpcConfigKeys.Server.setPort(p, port);
        }
        RaftServerConfigKeys.setStorageDir(p, List.of(storage));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(electionMs, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * electionMs, TimeUnit.MILLISECONDS));
        // A leader that lost its quorum may stand again after two of the longest election timeouts, not Ratis' 10 s:
        // when the members that come back have older logs, it is the only one that can win, and the group would
        // have no leader for those 10 s (measured: RegistryGroupTest, a read asked of a leader left alone).
        RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p,
            TimeDuration.valueOf(4 * electionMs, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, snapshotEvery > 0);
        if (snapshotEvery > 0)
        {
            RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotEvery);
        }
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, logPreserve);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        // The leader's appender sleeps after each failed append by this policy, and Ratis counts a follower's
        // "inconsistent" reply as a failure too. With its default (10 at 1 ms, 20 at 1 s, then 5 s) a replica that was
        // down for a while and starts again waits 1-5 s for each round of finding where its log ends: a CI run saw a
        // restarted replica still empty 2 s after it was up. A refused append to a down replica costs a failed RPC,
        // so retrying every 100 ms for a minute and every 500 ms after that is cheap.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(p, APPENDER_RETRY);
        TUNED.forEach(p::set);
        passThrough(p);
        overrides.forEach(p::set);
        return p;
    }

    /**
     * Any system property whose name starts with {@code raft.} is handed to Ratis as it is (tuning experiments, e.g.
     * {@code -Draft.server.log.unsafe-flush.enabled=true}); the benchmark's plain group gets the same.
     */
    static void passThrough(final RaftProperties p)
    {
        for (final String name : System.getProperties().stringPropertyNames())
        {
            if (name.startsWith("raft."))
            {
                p.set(name, System.getProperty(name));
            }
        }
    }

    static void transport(final RaftProperties p, final ReplicaOptions.Transport transport)
    {
        RaftConfigKeys.Rpc.setType(p,
            transport == ReplicaOptions.Transport.NETTY ? SupportedRpcType.NETTY : SupportedRpcType.GRPC);
    }

    static RaftClient client(final RaftGroup group, final ReplicaOptions.Transport transport, final RaftPeerId leader,
        final Parameters parameters)
    {
        return client(group, transport, leader, parameters, REQUEST_TIMEOUT_MS,
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(150, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)));
    }

    /**
     * A client for status questions to one server at a time: one attempt, answered within {@code timeoutMs}.
     */
    static RaftClient asker(final RaftGroup group, final ReplicaOptions.Transport transport,
        final Parameters parameters, final long timeoutMs)
    {
        return client(group, transport, null, parameters, timeoutMs, RetryPolicies.noRetry());
    }

    /**
     * A client for reads addressed to the leader: one attempt each, answered within {@link #READ_TIMEOUT_MS} (a
     * leader's read index takes one heartbeat round); the replica retries, addressed to whoever leads then.
     */
    static RaftClient reader(final RaftGroup group, final ReplicaOptions.Transport transport,
        final Parameters parameters)
    {
        return client(group, transport, null, parameters, READ_TIMEOUT_MS, RetryPolicies.noRetry());
    }

    private static RaftClient client(final RaftGroup group, final ReplicaOptions.Transport transport,
        final RaftPeerId leader, final Parameters parameters, final long timeoutMs, final RetryPolicy retry)
    {
        final RaftProperties p = new RaftProperties();
        transport(p, transport);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
        passThrough(p);
        final RaftClient.Builder b = RaftClient.newBuilder()
            .setProperties(p)
            .setRaftGroup(group)
            .setClientId(ClientId.randomId())
            .setRetryPolicy(retry);
        if (leader != null)
        {
            b.setLeaderId(leader);
        }
        if (parameters != null)
        {
            b.setParameters(parameters);
        }
        return b.build();
    }

    /**
     * A request handed straight to a server of this process (no client, no RPC).
     */
    static RaftClientRequest localRequest(final ClientId clientId, final RaftPeerId server, final RaftGroupId groupId,
        final long callId, final Message message, final RaftClientRequest.Type type)
    {
        return RaftClientRequest.newBuilder()
            .setClientId(clientId)
            .setServerId(server)
            .setGroupId(groupId)
            .setCallId(callId)
            .setMessage(message)
            .setType(type)
            .build();
    }
}
