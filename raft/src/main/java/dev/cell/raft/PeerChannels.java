package dev.cell.raft;

import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpcWithProxy;

import java.io.Closeable;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Keeps a replica's gRPC channels to the other members out of gRPC's reconnect back-off.
 * <p>
 * A channel whose connection was refused waits 1 s, then 1.6 s, 2.6 s and so on, up to 2 minutes, before it tries
 * again. That happens when the other member's host had not started its replica yet, or was down. Ratis keeps using
 * the channel, and every call on it fails at once while it waits.
 * <p>
 * Measured across three namespace hosts: a leader elected before the third replica came up sent that replica
 * nothing for seconds. Its log stayed empty, so when the leader's host was then killed, the other follower could not
 * win an election whose vote went over its own waiting channel. A put timed out after 5 s.
 * <p>
 * Each watch cycle (500 ms) every member's channel is told to reconnect now if it is waiting. This is
 * {@code ManagedChannel.resetConnectBackoff}, through Ratis' own {@code GrpcServerProtocolClient}, and it does
 * nothing on a connected channel. The Netty transport has no such channels and is left alone.
 */
final class PeerChannels
{
    private static final String GRPC_CLIENT = "org.apache.ratis.grpc.server.GrpcServerProtocolClient";

    private Method reset;
    private boolean unavailable;

    /**
     * Tell the channel to each other member of {@code division} to stop waiting out its back-off.
     *
     * @param server   the replica's Raft server.
     * @param division its group's division.
     */
    void nudge(final RaftServer server, final RaftServer.Division division)
    {
        if (unavailable || !(server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc))
        {
            return;
        }
        final RaftPeerId self = division.getMemberId().getPeerId();
        for (final RaftPeer peer : division.getRaftConf().getAllPeers())
        {
            if (peer.getId().equals(self))
            {
                continue;
            }
            try
            {
                final Closeable proxy = rpc.getProxies().getProxy(peer.getId());
                if (proxy != null && proxy.getClass().getName().equals(GRPC_CLIENT) && resetMethod(proxy) != null)
                {
                    reset.invoke(proxy);
                }
            }
            catch (final IOException ex)
            {
                // no channel to this peer now: Ratis builds it on the next call
            }
            catch (final IllegalAccessException | InvocationTargetException | RuntimeException ex)
            {
                unavailable = true; // another Ratis version: do without
                return;
            }
        }
    }

    private Method resetMethod(final Closeable proxy)
    {
        if (reset == null)
        {
            try
            {
                reset = proxy.getClass().getMethod("resetConnectBackoff");
                reset.setAccessible(true); // a public method of a package-private class
            }
            catch (final NoSuchMethodException | RuntimeException ex)
            {
                unavailable = true;
            }
        }
        return reset;
    }
}
