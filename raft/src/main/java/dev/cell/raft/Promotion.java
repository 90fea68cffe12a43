package dev.cell.raft;

import dev.cell.runtime.log.CellLog;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The leader's side of a group with listeners: when a voter has not answered the leader for longer than
 * {@code afterMs} (its host gone, its process killed or cut off) and a listener answers, the two swap roles in one
 * membership change: the listener votes, the silent voter listens (it keeps its place and catches up when it comes
 * back, and is the next one promoted if another voter goes). One change at a time, never while one is in progress,
 * and only by a leader that is ready, so two leaders of different terms cannot race their changes.
 * <p>
 * The leader judges by Ratis' own record of each follower's last answer ({@code lastRpcElapsedTimeMs}, from the
 * last append or heartbeat response); a listener counts as ready when it answered within half of {@code afterMs}.
 */
final class Promotion
{
    private final RaftPeerId self;
    private final long afterMs;
    private final Supplier<RaftClient> admin;
    private final CellLog log;
    private final AtomicBoolean inFlight = new AtomicBoolean();

    Promotion(final RaftPeerId self, final long afterMs, final Supplier<RaftClient> admin, final CellLog log)
    {
        this.self = self;
        this.afterMs = afterMs;
        this.admin = admin;
        this.log = log;
    }

    /**
     * Called by the replica's watchdog (every 500 ms): start a swap when one is due.
     */
    void check(final RaftServer.Division division)
    {
        if (afterMs <= 0 || inFlight.get() || !division.getInfo().isLeader() || !division.getInfo().isLeaderReady())
        {
            return;
        }
        final RaftConfiguration conf = division.getRaftConf();
        if (!conf.getPreviousPeers().isEmpty())
        {
            return; // a change is being committed
        }
        final Map<RaftPeerId, Long> silentMs = new HashMap<>();
        for (final ServerRpcProto f : division.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList())
        {
            silentMs.put(RaftPeerId.valueOf(f.getId().getId()), f.getLastRpcElapsedTimeMs());
        }
        final List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
        final List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        final RaftPeer gone = voters.stream()
            .filter(p -> !p.getId().equals(self) && silentMs.getOrDefault(p.getId(), 0L) > afterMs)
            .findFirst().orElse(null);
        final RaftPeer ready = listeners.stream()
            .filter(p -> silentMs.containsKey(p.getId()) && silentMs.get(p.getId()) < afterMs / 2)
            .min(java.util.Comparator.comparingLong(p -> silentMs.get(p.getId()))).orElse(null);
        if (gone == null || ready == null || !inFlight.compareAndSet(false, true))
        {
            return;
        }
        voters.remove(gone);
        voters.add(RaftPeer.newBuilder(ready).setStartupRole(RaftPeerRole.FOLLOWER).build());
        listeners.remove(ready);
        listeners.add(RaftPeer.newBuilder(gone).setStartupRole(RaftPeerRole.LISTENER).build());
        final long silent = silentMs.get(gone.getId());
        Thread.ofVirtual().name("raft-promotion").start(() -> swap(gone, ready, silent, voters, listeners));
    }

    private void swap(final RaftPeer gone, final RaftPeer ready, final long silent, final List<RaftPeer> voters,
        final List<RaftPeer> listeners)
    {
        final long startNs = System.nanoTime();
        try (RaftClient client = admin.get())
        {
            final RaftClientReply reply = client.admin().setConfiguration(SetConfigurationRequest.Arguments
                .newBuilder().setServersInNewConf(voters).setListenersInNewConf(listeners).build());
            final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
            if (reply.isSuccess())
            {
                log.info("replica.promoted", "listener", ready.getId().toString(), "voter",
                    gone.getId().toString(), "silentMs", silent, "tookMs", tookMs);
            }
            else
            {
                log.warn("replica.promotion.refused", "listener", ready.getId().toString(), "error",
                    String.valueOf(reply.getException()));
            }
        }
        catch (final Exception ex)
        {
            log.warn("replica.promotion.failed", "listener", ready.getId().toString(), "error", String.valueOf(ex));
        }
        finally
        {
            inFlight.set(false);
        }
    }
}
