package dev.cell.perf.jmh;

import dev.cell.perf.EchoBinding;
import dev.cell.perf.EchoCell;
import dev.cell.perf.EchoClient;
import dev.cell.perf.Ping;
import dev.cell.runtime.service.Dispatcher;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The generated code of a call without the junction, in one thread: the dispatcher (decode the request into records,
 * call the handler, encode its result) and the client (encode the request from records, decode the reply into
 * records), for the suite's 32-byte {@link Ping} and for an {@link Order} with two strings, an enum and a reply with
 * a three-entry group. Run with {@code mvn -B -Pperf -pl perf -am package -DskipTests} then
 * {@code java -jar perf/target/benchmarks.jar}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow", "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true"})
public class CodecBenchmarks
{
    private final Order order = new Order("ACME", Side.BUY, 101, 100, "client-tag-42");
    private final Ping ping = new Ping(1, 2, 3, 4);
    private final ExpandableArrayBuffer out = new ExpandableArrayBuffer(256);

    private OrdersClient ordersClient;
    private EchoClient echoClient;
    private Dispatcher ordersDispatcher;
    private Dispatcher echoDispatcher;
    private MutableDirectBuffer placeRequest;
    private int placeRequestLength;
    private MutableDirectBuffer echoRequest;
    private int echoRequestLength;

    /**
     * Build the clients over {@link CannedConnection}s and capture one encoded request of each kind.
     */
    @Setup
    public void setUp()
    {
        final OrdersBinding orders = new OrdersBinding();
        ordersDispatcher = orders.dispatcher(new OrdersCell());
        final CannedConnection ordersConnection =
            new CannedConnection(orders.cellName(), orders.genome(), orders.dispatcher(new OrdersCell()));
        ordersClient = new OrdersClient(ordersConnection);
        if (!ordersClient.place(order).equals(OrdersCell.ACK))
        {
            throw new IllegalStateException("the orders round trip does not give the handler's ack back");
        }
        placeRequest = copy(ordersConnection.lastRequest(), ordersConnection.lastRequestLength());
        placeRequestLength = ordersConnection.lastRequestLength();

        final EchoBinding echo = new EchoBinding();
        echoDispatcher = echo.dispatcher(new EchoCell());
        final CannedConnection echoConnection =
            new CannedConnection(echo.cellName(), echo.genome(), echo.dispatcher(new EchoCell()));
        echoClient = new EchoClient(echoConnection);
        if (!echoClient.echo(ping).equals(ping))
        {
            throw new IllegalStateException("the echo round trip does not give the ping back");
        }
        echoRequest = copy(echoConnection.lastRequest(), echoConnection.lastRequestLength());
        echoRequestLength = echoConnection.lastRequestLength();
    }

    private static MutableDirectBuffer copy(final MutableDirectBuffer from, final int length)
    {
        final UnsafeBuffer to = new UnsafeBuffer(new byte[length]);
        to.putBytes(0, from, 0, length);
        return to;
    }

    /**
     * @return the reply length: decode a {@link Ping} request, call the handler, encode the reply.
     */
    @Benchmark
    public int dispatchEcho()
    {
        return echoDispatcher.dispatch(echoRequest, 0, echoRequestLength, out, 0);
    }

    /**
     * @return the reply length: decode an {@link Order} (two strings), call the handler, encode an {@link Ack} with
     * three fills.
     */
    @Benchmark
    public int dispatchPlace()
    {
        return ordersDispatcher.dispatch(placeRequest, 0, placeRequestLength, out, 0);
    }

    /**
     * @return the echoed ping: client encode, dispatch, client decode, all in this thread.
     */
    @Benchmark
    public Ping callEcho()
    {
        return echoClient.echo(ping);
    }

    /**
     * @return the ack: client encode of an order, dispatch, client decode of the ack and its fills.
     */
    @Benchmark
    public Ack callPlace()
    {
        return ordersClient.place(order);
    }
}
