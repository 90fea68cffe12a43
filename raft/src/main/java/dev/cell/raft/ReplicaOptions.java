package dev.cell.raft;

import dev.cell.runtime.service.ServerOptions;

import java.util.Map;

/**
 * How a replica runs. Immutable; start from {@link #defaults()}. Every value can also be set with a system property
 * (read by {@link #fromSystemProperties(ServerOptions)}, which is what {@code cell mitosis} uses):
 * {@code cell.replica.slot}, {@code cell.raft.transport} ({@code netty}|{@code grpc}),
 * {@code cell.raft.snapshot.every}, {@code cell.raft.log.preserve}, {@code cell.raft.election.ms},
 * {@code cell.raft.local.submit} ({@code true}|{@code false}), {@code cell.raft.forward.clients}; any
 * {@code raft.*} system property goes to Ratis as it is.
 *
 * @param slot          the replica slot to run, or -1 for the first one no running replica holds.
 * @param groupSize     replicas in the group when this replica creates it (1 to 9; {@code CellMain} passes the
 *                      cell's {@code [state] replicas} as its launcher resolved it).
 * @param server        how the replica serves its junctions.
 * @param transport     Ratis' transport between replicas.
 * @param snapshotEvery take a snapshot every this many applied commands (0: never automatically).
 * @param electionMs    minimum election timeout in ms (the maximum is twice this).
 * @param logPreserve   log entries kept below the newest snapshot when Ratis purges its log after a snapshot: a
 *                      follower less than this far behind catches up from the log, one further behind (or a new or
 *                      wiped replica) gets the snapshot installed.
 * @param raftProperties Ratis properties set last, over this project's settings and the {@code raft.*} system
 *                      properties (e.g. {@code raft.server.log.segment.size.max}); tests use it.
 * @param localSubmit   while this replica leads, submit the commands (that carry a client session) and the
 *                      linearizable queries it receives straight into its own Ratis server instead of through its
 *                      Raft client and a loopback RPC (default true; false measures the forwarding path).
 * @param forwardClients Raft clients a replica forwards commands through (1 to 64, default 4); a client session's
 *                      commands always take the same one, so they stay in order. Ratis' Netty server answers one
 *                      request per connection at a time: one client would admit one forwarded command at a time.
 * @param promoteAfterMs a voter silent for longer than this (its host gone) swaps roles with a listener that
 *                      answers ({@code cell.raft.promote.after.ms}; 0, the default: never); see {@link GroupMember}.
 * @since 0.1
 */
public record ReplicaOptions(
    int slot, int groupSize, ServerOptions server, Transport transport, long snapshotEvery, long electionMs,
    long logPreserve, Map<String, String> raftProperties, boolean localSubmit, int forwardClients,
    long promoteAfterMs)
{
    /**
     * @throws IllegalArgumentException when a value is out of range.
     */
    public ReplicaOptions
    {
        if (groupSize < 1 || groupSize > 9)
        {
            throw new IllegalArgumentException("groupSize = " + groupSize + " must be from 1 to 9");
        }
        if (logPreserve < 0)
        {
            throw new IllegalArgumentException("logPreserve = " + logPreserve + " must be 0 or more");
        }
        if (promoteAfterMs < 0)
        {
            throw new IllegalArgumentException("promoteAfterMs = " + promoteAfterMs + " must be 0 (never) or more");
        }
        if (forwardClients < 1 || forwardClients > 64)
        {
            throw new IllegalArgumentException("forwardClients = " + forwardClients + " must be from 1 to 64");
        }
        raftProperties = Map.copyOf(raftProperties);
    }

    /**
     * Ratis transports.
     */
    public enum Transport
    {
        /**
         * Ratis over Netty (default: the transport the fault suite passes with). Ratis 3.3.0 has no TLS for its
         * Netty RPCs: any local process can reach the group's ports (see docs/architecture.md, "The Raft ports").
         */
        NETTY,
        /**
         * Ratis over gRPC with mutual TLS on every port (the group's pinned certificate): only members of the group
         * are served. Far more throughput than Netty when pipelined.
         */
        GRPC
    }

    /**
     * @return slot -1, a group of 3, default server options, Netty, a snapshot every 10,000 commands, 400 ms
     * elections, 10,000 log entries preserved below a snapshot, local submission on the leader, 4 forwarding
     * clients.
     */
    public static ReplicaOptions defaults()
    {
        return new ReplicaOptions(-1, 3, ServerOptions.defaults(), Transport.NETTY, 10_000, 400, 10_000, Map.of(),
            true, 4, 0);
    }

    /**
     * @param server the junction server's options.
     * @return options from the system properties listed in the class comment, defaults otherwise.
     */
    public static ReplicaOptions fromSystemProperties(final ServerOptions server)
    {
        final String transport = System.getProperty("cell.raft.transport", "netty");
        final Transport t = switch (transport)
        {
            case "netty" -> Transport.NETTY;
            case "grpc" -> Transport.GRPC;
            default -> throw new IllegalArgumentException("cell.raft.transport = " + transport +
                ": use netty or grpc");
        };
        return new ReplicaOptions(
            Integer.getInteger("cell.replica.slot", -1),
            3,
            server,
            t,
            Long.getLong("cell.raft.snapshot.every", 10_000),
            Long.getLong("cell.raft.election.ms", 400),
            Long.getLong("cell.raft.log.preserve", 10_000),
            Map.of(),
            Boolean.parseBoolean(System.getProperty("cell.raft.local.submit", "true")),
            Integer.getInteger("cell.raft.forward.clients", 4),
            Long.getLong("cell.raft.promote.after.ms", 0));
    }

    /**
     * @param value replicas in the group when this replica creates it.
     * @return a copy with it.
     */
    public ReplicaOptions withGroupSize(final int value)
    {
        return new ReplicaOptions(slot, value, server, transport, snapshotEvery, electionMs, logPreserve,
            raftProperties, localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value a slot.
     * @return a copy with it.
     */
    public ReplicaOptions withSlot(final int value)
    {
        return new ReplicaOptions(value, groupSize, server, transport, snapshotEvery, electionMs, logPreserve,
            raftProperties, localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value server options.
     * @return a copy with them.
     */
    public ReplicaOptions withServer(final ServerOptions value)
    {
        return new ReplicaOptions(slot, groupSize, value, transport, snapshotEvery, electionMs, logPreserve,
            raftProperties, localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value a transport.
     * @return a copy with it.
     */
    public ReplicaOptions withTransport(final Transport value)
    {
        return new ReplicaOptions(slot, groupSize, server, value, snapshotEvery, electionMs, logPreserve,
            raftProperties, localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value commands between automatic snapshots (0: none).
     * @return a copy with it.
     */
    public ReplicaOptions withSnapshotEvery(final long value)
    {
        return new ReplicaOptions(slot, groupSize, server, transport, value, electionMs, logPreserve, raftProperties,
            localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value minimum election timeout in ms.
     * @return a copy with it.
     */
    public ReplicaOptions withElectionMs(final long value)
    {
        return new ReplicaOptions(slot, groupSize, server, transport, snapshotEvery, value, logPreserve,
            raftProperties, localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value log entries kept below a snapshot when the log is purged.
     * @return a copy with it.
     */
    public ReplicaOptions withLogPreserve(final long value)
    {
        return new ReplicaOptions(slot, groupSize, server, transport, snapshotEvery, electionMs, value, raftProperties,
            localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param key   a Ratis property (e.g. {@code raft.server.log.segment.size.max}).
     * @param value its value as Ratis parses it (e.g. {@code 64KB}).
     * @return a copy with it set.
     */
    public ReplicaOptions withRaftProperty(final String key, final String value)
    {
        final Map<String, String> copy = new java.util.HashMap<>(raftProperties);
        copy.put(key, value);
        return new ReplicaOptions(slot, groupSize, server, transport, snapshotEvery, electionMs, logPreserve, copy,
            localSubmit, forwardClients, promoteAfterMs);
    }

    /**
     * @param value true to submit into the local Ratis server while this replica leads.
     * @return a copy with it.
     */
    public ReplicaOptions withLocalSubmit(final boolean value)
    {
        return new ReplicaOptions(slot, groupSize, server, transport, snapshotEvery, electionMs, logPreserve,
            raftProperties, value, forwardClients, promoteAfterMs);
    }

    /**
     * @param value Raft clients to forward commands through.
     * @return a copy with it.
     */
    public ReplicaOptions withForwardClients(final int value)
    {
        return new ReplicaOptions(slot, groupSize, server, transport, snapshotEvery, electionMs, logPreserve,
            raftProperties, localSubmit, value, promoteAfterMs);
    }

    /**
     * @param value ms a voter may be silent before a listener takes its vote (0: never).
     * @return a copy with it.
     */
    public ReplicaOptions withPromoteAfterMs(final long value)
    {
        return new ReplicaOptions(slot, groupSize, server, transport, snapshotEvery, electionMs, logPreserve,
            raftProperties, localSubmit, forwardClients, value);
    }
}
