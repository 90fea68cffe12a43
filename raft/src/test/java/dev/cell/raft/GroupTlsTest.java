package dev.cell.raft;

import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Raft port over gRPC with the group's mutual TLS: a member's client is served; a client without TLS, or with a
 * certificate of its own, is not, even with the real group id and port (real Ratis servers on loopback).
 */
class GroupTlsTest
{
    @TempDir
    Path tmp;

    @Test
    void onlyAPeerPresentingTheGroupCertificateIsServed() throws Exception
    {
        final UUID groupId = UUID.randomUUID();
        final Path replicas = tmp.resolve("replicas");
        final GroupTls tls = GroupTls.loadOrCreate(replicas, groupId);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            replicas.resolve(GroupTls.DIR))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
            replicas.resolve(GroupTls.DIR).resolve(GroupTls.KEY))));
        assertEquals(tls.certificate(), GroupTls.loadOrCreate(replicas, groupId).certificate(),
            "the second start loads the same key and certificate");

        final int port = GroupConfig.freePort();
        final RaftGroup group = RaftSetup.group(groupId, Map.of(0, port), List.of(0));
        final RaftProperties properties = RaftSetup.serverProperties(tmp.resolve("raft").toFile(), GroupConfig.LOOPBACK, port,
            ReplicaOptions.Transport.GRPC, 200, 0, 0, Map.of());
        try (RaftServer server = RaftServer.newBuilder()
            .setServerId(RaftSetup.peerId(0))
            .setGroup(group)
            .setStateMachine(new BaseStateMachine())
            .setProperties(properties)
            .setParameters(tls.parameters())
            .setOption(RaftStorage.StartupOption.FORMAT)
            .build())
        {
            server.start();
            try (RaftClient member = RaftSetup.client(group, ReplicaOptions.Transport.GRPC, null, tls.parameters()))
            {
                final RaftClientReply reply = member.io().send(Message.valueOf("from a member"));
                assertTrue(reply.isSuccess(), "a member is served: " + reply);
            }
            assertRefused(group, null, "a client without TLS");
            // An intruder with a certificate of its own that trusts any server: the server must refuse it.
            final Parameters stranger = new Parameters();
            org.apache.ratis.grpc.GrpcConfigKeys.TLS.setConf(stranger, new org.apache.ratis.grpc.GrpcTlsConfig(
                GroupTls.create("cell-group-" + groupId).keyManager(), new TrustAnyServer(), true));
            assertRefused(group, stranger, "a client with its own certificate for the same group name");
            assertNotEquals(tls.certificate(), GroupTls.create("x").certificate());
        }
    }

    /**
     * Test only: an intruder's trust manager that accepts whatever the server presents.
     */
    private static final class TrustAnyServer extends javax.net.ssl.X509ExtendedTrustManager
    {
        @Override
        public void checkClientTrusted(final java.security.cert.X509Certificate[] chain, final String authType,
            final java.net.Socket socket)
        {
        }

        @Override
        public void checkServerTrusted(final java.security.cert.X509Certificate[] chain, final String authType,
            final java.net.Socket socket)
        {
        }

        @Override
        public void checkClientTrusted(final java.security.cert.X509Certificate[] chain, final String authType,
            final javax.net.ssl.SSLEngine engine)
        {
        }

        @Override
        public void checkServerTrusted(final java.security.cert.X509Certificate[] chain, final String authType,
            final javax.net.ssl.SSLEngine engine)
        {
        }

        @Override
        public void checkClientTrusted(final java.security.cert.X509Certificate[] chain, final String authType)
        {
        }

        @Override
        public void checkServerTrusted(final java.security.cert.X509Certificate[] chain, final String authType)
        {
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers()
        {
            return new java.security.cert.X509Certificate[0];
        }
    }

    private static void assertRefused(final RaftGroup group, final Parameters parameters, final String who)
        throws Exception
    {
        final RaftProperties p = new RaftProperties();
        RaftSetup.transport(p, ReplicaOptions.Transport.GRPC);
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(p,
            org.apache.ratis.util.TimeDuration.valueOf(2, TimeUnit.SECONDS));
        final RaftClient.Builder b = RaftClient.newBuilder().setProperties(p).setRaftGroup(group)
            .setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry());
        if (parameters != null)
        {
            b.setParameters(parameters);
        }
        try (RaftClient intruder = b.build())
        {
            boolean served;
            try
            {
                served = intruder.async().send(Message.valueOf("from " + who)).get(20, TimeUnit.SECONDS).isSuccess();
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                Throwable cause = ex;
                while (cause.getCause() != null)
                {
                    cause = cause.getCause();
                }
                System.out.println("GroupTlsTest: " + who + " refused: " + cause);
                served = false;
            }
            assertFalse(served, who + " must not be able to submit an entry");
        }
    }
}
