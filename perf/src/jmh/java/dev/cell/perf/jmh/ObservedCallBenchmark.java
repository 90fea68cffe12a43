package dev.cell.perf.jmh;

import dev.cell.perf.EchoBinding;
import dev.cell.perf.EchoCell;
import dev.cell.perf.EchoClient;
import dev.cell.perf.Ping;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.trace.TraceIds;
import dev.cell.runtime.trace.TraceMode;
import dev.cell.runtime.trace.TraceOptions;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What per-handler metrics and tracing cost a junction call: an in-process {@code echo} instance (its handler slots
 * in the instance file are always kept) with span records for every request ({@code trace = "all"}, written to the
 * instance's JSON lines log by its span writer) or none ({@code off}), called back to back through a
 * {@link CellConnection} with one blocking {@code call} per operation. Every call starts a new, sampled trace
 * (sample rate 1 in this process), so the client stamps a fresh trace id and the sampled flag on each request.
 * <p>
 * Run with JMH's {@code -prof gc}; its {@code gc.alloc.rate.norm} sums all threads of the JVM (the caller, the
 * serving thread, the span writer, JMH's own). At the end of every measurement iteration this benchmark also prints
 * the bytes each thread allocated per call ({@code alloc/op <thread>: N B}), so the call path (the caller and the
 * serving thread) is told apart from the span writer, which formats log lines off the call path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow", "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true"})
public class ObservedCallBenchmark
{
    /**
     * The instance's trace mode: {@code all} (a span per request) or {@code off} (none).
     */
    @Param({"all", "off"})
    public String trace;

    private final Reply reply = new Reply();
    private final Map<Long, Long> allocatedAtStart = new HashMap<>();
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    private Path work;
    private CellServer server;
    private CellConnection connection;
    private MutableDirectBuffer request;
    private int requestLength;
    private long calls;

    /**
     * Start the instance, connect, and capture one encoded {@code echo} request.
     *
     * @throws IOException when the temporary folders cannot be made.
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        work = Files.createTempDirectory("cell-observed-call");
        final Path home = Files.createDirectories(work.resolve("home"));
        final Path cellDir = Files.createDirectories(work.resolve("echo"));
        TraceIds.sampleRate(1.0);
        server = CellServer.start(new EchoBinding(), cellDir, ServerOptions.defaults()
            .withCellHome(home)
            .withIdleProfile(IdleProfile.ECO)
            .withInstanceId("echo-jmh-" + ProcessHandle.current().pid())
            .withTrace(new TraceOptions(TraceMode.parse(trace), null)));
        final EchoBinding echo = new EchoBinding();
        connection = CellConnection.connect(echo.cellName(), 0,
            ClientOptions.defaults()
                .withCellHome(home)
                .withIdleProfile(IdleProfile.ECO)
                .withConnectTimeout(Duration.ofSeconds(30))
                .withCallTimeout(Duration.ofSeconds(30))
                .withClientName("observed-call-benchmark"));

        final CannedConnection canned =
            new CannedConnection(echo.cellName(), echo.genome(), echo.dispatcher(new EchoCell()));
        final Ping ping = new Ping(1, 2, 3, 4);
        if (!new EchoClient(canned).echo(ping).equals(ping))
        {
            throw new IllegalStateException("the echo request could not be captured");
        }
        requestLength = canned.lastRequestLength();
        request = new UnsafeBuffer(new byte[requestLength]);
        request.putBytes(0, canned.lastRequest(), 0, requestLength);

        connection.call(request, 0, requestLength, reply);
        if (reply.isError() || reply.length() <= 0)
        {
            throw new IllegalStateException("the instance did not answer the echo request");
        }
    }

    /**
     * Note every thread's allocated bytes before an iteration.
     */
    @Setup(Level.Iteration)
    public void startIteration()
    {
        allocatedAtStart.clear();
        for (final long id : threads.getAllThreadIds())
        {
            allocatedAtStart.put(id, threads.getThreadAllocatedBytes(id));
        }
        calls = 0;
    }

    /**
     * Print the bytes each thread allocated per call during the iteration.
     */
    @TearDown(Level.Iteration)
    public void endIteration()
    {
        final long n = Math.max(1, calls);
        final StringBuilder out = new StringBuilder();
        for (final long id : threads.getAllThreadIds())
        {
            final Long before = allocatedAtStart.get(id);
            final long now = threads.getThreadAllocatedBytes(id);
            final ThreadInfo info = threads.getThreadInfo(id);
            if (before != null && now >= 0 && info != null)
            {
                out.append(String.format("%n  alloc/op %s: %.3f B", info.getThreadName(), (now - before) / (double)n));
            }
        }
        System.out.println(out.append(String.format("%n  (%d calls)", calls)));
    }

    /**
     * Close the connection and the instance, remove the folders.
     *
     * @throws IOException when the folders cannot be removed.
     */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        try
        {
            if (connection != null)
            {
                connection.close();
            }
        }
        finally
        {
            if (server != null)
            {
                server.close();
            }
            TraceIds.sampleRate(TraceIds.DEFAULT_SAMPLE_RATE);
            deleteTree(work);
        }
    }

    /**
     * @return the reply's length: one blocking junction call, a new sampled trace.
     */
    @Benchmark
    public int call()
    {
        connection.call(request, 0, requestLength, reply);
        calls++;
        return reply.length();
    }

    private static void deleteTree(final Path root) throws IOException
    {
        if (root == null || !Files.exists(root))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.deleteIfExists(p);
                }
                catch (final IOException ex)
                {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }
}
