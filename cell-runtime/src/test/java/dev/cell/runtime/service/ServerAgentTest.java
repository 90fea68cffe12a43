package dev.cell.runtime.service;

import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.junction.EchoBinding;
import dev.cell.runtime.log.CellLog;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The instance's agent stepped by the test thread ({@link AgentInvoker}) on the clocks of its {@link ServerContext}:
 * its housekeeping and idle timeout follow those clocks, not the wall's.
 */
class ServerAgentTest
{
    private static final long IDLE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void shouldStopItselfOnceIdleForTheTimeoutOnItsContextsClock() throws Exception
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        final Path home = Files.createTempDirectory(base, "home-").toAbsolutePath();
        final Path cellDir = Files.createTempDirectory(base, "cell-").toAbsolutePath();
        final Path runDir = cellDir.resolve(".cell").resolve("run").resolve("echo-stepped");
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final CellLog log = (level, event, high, low, span, fields) -> events.add(event);
        final CachedNanoClock nanoClock = new CachedNanoClock();
        final CachedEpochClock epochClock = new CachedEpochClock();
        nanoClock.update(1_000_000_000L);
        epochClock.update(System.currentTimeMillis());
        final EchoBinding binding = new EchoBinding();
        final ServerContext ctx = new ServerContext(binding.cellName(), "echo-stepped", binding.genome(),
            binding.dispatcher(binding.newCell()), null, cellDir, runDir,
            ServerOptions.defaults().withCellHome(home), log)
            .idleTimeoutNs(IDLE_TIMEOUT_NS)
            .nanoClock(nanoClock)
            .epochClock(epochClock)
            .conclude();
        final ServerAgent agent = new ServerAgent(ctx);
        final AgentInvoker invoker = new AgentInvoker(Throwable::printStackTrace, null, agent);
        invoker.start();
        assertTrue(agent.started().isDone() && !agent.started().isCompletedExceptionally(), "started");
        assertTrue(Files.exists(runDir.resolve("instance.dat")));
        assertEquals(1, InstanceRegistry.live(home).size());

        // Housekeeping every 100 ms of the context's clock: 29 s idle is not enough.
        for (int i = 0; i < 290; i++)
        {
            advance(nanoClock, epochClock, 100);
            invoker.invoke();
        }
        assertTrue(invoker.isRunning(), "stopped before its idle timeout");
        assertFalse(agent.stoppedIdle());

        for (int i = 0; i < 20 && invoker.isRunning(); i++)
        {
            advance(nanoClock, epochClock, 100);
            invoker.invoke();
        }
        assertFalse(invoker.isRunning(), "still running after its idle timeout");
        assertTrue(agent.stoppedIdle());
        assertTrue(events.contains("instance.apoptosis"), events.toString());
        invoker.close();
        assertTrue(events.contains("instance.stopped"), events.toString());
        assertFalse(Files.exists(runDir), "run folder deleted on stop");
        assertTrue(InstanceRegistry.live(home).isEmpty(), "unregistered on stop");
    }

    private static void advance(final CachedNanoClock nanoClock, final CachedEpochClock epochClock, final long ms)
    {
        nanoClock.advance(TimeUnit.MILLISECONDS.toNanos(ms));
        epochClock.advance(ms);
    }
}
