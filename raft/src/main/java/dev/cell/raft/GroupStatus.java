package dev.cell.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A replica group as its servers answer now: each server of {@code group.properties} is asked for its group info over
 * the group's own Raft transport (gRPC with the group's mutual TLS when the group spans hosts, so any host that holds
 * the group's folder may ask), and the leader's answer adds what it knows of the others: their commit index and how
 * long since it last heard from each. What {@code cell registry status} prints.
 *
 * @param groupId the group's id.
 * @param leader  the slot that answered as leader, or -1.
 * @param term    the leader's term, or -1.
 * @param peers   every slot of the group, voters first.
 * @since 0.3
 */
public record GroupStatus(String groupId, int leader, long term, List<Peer> peers)
{
    /**
     * One replica.
     *
     * @param slot          its slot.
     * @param address       its Raft address, {@code host:port}.
     * @param member        {@code voter} or {@code listener}: in the configuration the leader answered with, else as
 *                      the group file records it.
     * @param role          what it answered: LEADER, FOLLOWER, CANDIDATE, LISTENER; or {@code unreachable}.
     * @param appliedIndex  its applied index, or -1 when it did not answer.
     * @param commitIndex   its commit index as it answered, else as the leader knows it, else -1.
     * @param lag           the leader's commit index minus this replica's applied (or known commit) index; -1 unknown.
     * @param lastContactMs how long since the leader last heard from it; -1 unknown (and for the leader).
     * @param problem       why it did not answer, else empty.
     */
    public record Peer(int slot, String address, String member, String role, long appliedIndex, long commitIndex,
        long lag, long lastContactMs, String problem)
    {
    }

    /**
     * @param cellDir the stateful cell's folder (the one holding {@code .cell/replicas/group.properties}).
     * @param timeout how long each server may take to answer.
     * @return the group now.
     * @throws IllegalArgumentException when the folder holds no group.
     */
    public static GroupStatus query(final Path cellDir, final Duration timeout)
    {
        final Path dir = GroupConfig.replicasDir(cellDir.toAbsolutePath().normalize());
        if (!Files.isRegularFile(dir.resolve(GroupConfig.FILE)))
        {
            throw new IllegalArgumentException(cellDir + " holds no replica group (no .cell/replicas/" +
                GroupConfig.FILE + "): give a stateful cell's or a registry's folder");
        }
        try
        {
            final GroupConfig config = GroupConfig.read(dir);
            final RaftGroup group = RaftSetup.group(config, config.members, config.listeners);
            final ReplicaOptions.Transport transport = config.spansHosts() ? ReplicaOptions.Transport.GRPC :
                ReplicaOptions.fromSystemProperties(null).transport();
            final var parameters = transport == ReplicaOptions.Transport.GRPC ?
                GroupConfig.tls(cellDir.toAbsolutePath().normalize(), config.groupId).parameters() : null;
            final TreeSet<Integer> slots = new TreeSet<>(config.members);
            slots.addAll(config.listeners);
            final Map<Integer, GroupInfoReply> answers = new HashMap<>();
            final Map<Integer, String> problems = new HashMap<>();
            try (RaftClient client = RaftSetup.asker(group, transport, parameters, timeout.toMillis()))
            {
                for (final int slot : slots)
                {
                    try
                    {
                        answers.put(slot, client.getGroupManagementApi(RaftSetup.peerId(slot)).info(group.getGroupId()));
                    }
                    catch (final IOException | RuntimeException ex)
                    {
                        problems.put(slot, ex.getClass().getSimpleName() + ": " + ex.getMessage());
                    }
                }
            }
            return assemble(config, slots, answers, problems);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the group in " + dir + ": " + ex.getMessage(), ex);
        }
    }

    private static GroupStatus assemble(final GroupConfig config, final TreeSet<Integer> slots,
        final Map<Integer, GroupInfoReply> answers, final Map<Integer, String> problems)
    {
        int leader = -1;
        long term = -1;
        final Map<String, Long> knownCommit = new HashMap<>();
        final Map<String, Long> contact = new HashMap<>();
        final TreeSet<Integer> voting = new TreeSet<>(config.members);
        for (final Map.Entry<Integer, GroupInfoReply> e : answers.entrySet())
        {
            final RaftProtos.RoleInfoProto role = e.getValue().getRoleInfoProto();
            if (role.getRole() == RaftProtos.RaftPeerRole.LEADER)
            {
                leader = e.getKey();
                term = role.getLeaderInfo().getTerm();
                for (final RaftProtos.CommitInfoProto c : e.getValue().getCommitInfos())
                {
                    knownCommit.put(c.getServer().getId().toStringUtf8(), c.getCommitIndex());
                }
                for (final RaftProtos.ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList())
                {
                    contact.put(f.getId().getId().toStringUtf8(), f.getLastRpcElapsedTimeMs());
                }
                e.getValue().getConf().ifPresent(conf ->
                {
                    voting.clear();
                    conf.getPeersList().forEach(peer -> voting.add(slotOf(peer.getId().toStringUtf8())));
                    slots.addAll(voting);
                    conf.getListenersList().forEach(peer -> slots.add(slotOf(peer.getId().toStringUtf8())));
                });
            }
        }
        final long leaderCommit = leader < 0 ? -1 :
            answers.get(leader).getLogInfoProto().getCommitted().getIndex();
        final List<Peer> peers = new ArrayList<>();
        for (final boolean voters : new boolean[] {true, false})
        {
            for (final int slot : slots)
            {
                if (voting.contains(slot) != voters)
                {
                    continue;
                }
                final String id = RaftSetup.peerId(slot).toString();
                final GroupInfoReply a = answers.get(slot);
                final long applied = a == null ? -1 : a.getLogInfoProto().getApplied().getIndex();
                final long commit = a != null ? a.getLogInfoProto().getCommitted().getIndex() :
                    knownCommit.getOrDefault(id, -1L);
                final long behind = applied >= 0 ? applied : commit;
                peers.add(new Peer(slot, config.host(slot) + ":" + config.ports.getOrDefault(slot, 0),
                    voters ? "voter" : "listener", a == null ? "unreachable" : a.getRoleInfoProto().getRole().name(),
                    applied, commit, leaderCommit < 0 || behind < 0 ? -1 : Math.max(0, leaderCommit - behind),
                    slot == leader ? -1 : contact.getOrDefault(id, -1L), problems.getOrDefault(slot, "")));
            }
        }
        return new GroupStatus(config.groupId.toString(), leader, term, peers);
    }

    private static int slotOf(final String peerId)
    {
        return Integer.parseInt(peerId.substring(1));
    }
}
