package dev.cell.perf.suite;

import dev.cell.tools.bench.Probe;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * gRPC-java unary calls over loopback (Netty, plaintext HTTP/2): a hand-written {@link MethodDescriptor} whose
 * request and response are raw byte arrays, so no protoc and no protobuf encoding cost; the handler answers with the
 * request. Server and channel run on direct executors, the cheapest gRPC set-up for a trivial handler.
 */
final class Grpc
{
    static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("cell.perf.Echo", "Echo"))
        .setRequestMarshaller(new Bytes())
        .setResponseMarshaller(new Bytes())
        .build();

    private Grpc()
    {
    }

    static void serve() throws IOException, InterruptedException
    {
        final ServerServiceDefinition service = ServerServiceDefinition.builder("cell.perf.Echo")
            .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) ->
            {
                response.onNext(request);
                response.onCompleted();
            }))
            .build();
        final Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .directExecutor()
            .addService(service)
            .build()
            .start();
        Peer.ready(Integer.toString(server.getPort()));
        server.awaitTermination();
    }

    /**
     * The measuring side: a blocking unary call per probe call.
     */
    static final class GrpcProbe implements Probe, AutoCloseable
    {
        private final ManagedChannel channel;
        private final byte[] request = new byte[ComparisonSuite.MESSAGE_BYTES];
        private byte sequence;

        GrpcProbe(final int port)
        {
            channel = NettyChannelBuilder.forAddress(InetAddress.getLoopbackAddress().getHostAddress(), port)
                .usePlaintext()
                .directExecutor()
                .build();
        }

        @Override
        public void call()
        {
            request[0] = ++sequence;
            final byte[] reply = ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, request);
            if (reply.length != request.length || reply[0] != sequence)
            {
                throw new IllegalStateException("gRPC: reply does not match request " + sequence);
            }
        }

        @Override
        public void close() throws InterruptedException
        {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static final class Bytes implements MethodDescriptor.Marshaller<byte[]>
    {
        @Override
        public InputStream stream(final byte[] value)
        {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(final InputStream stream)
        {
            try
            {
                return stream.readAllBytes();
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
