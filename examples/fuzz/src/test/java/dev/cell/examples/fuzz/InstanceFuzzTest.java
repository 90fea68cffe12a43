package dev.cell.examples.fuzz;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.genome.FrameCheck;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.ResponseDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real instances of every stateless example cell (in this JVM, each with its own duty cycle) receive mutated frames
 * through raw junctions: every frame the cell's {@link FrameCheck} refuses is answered with a BAD_FRAME failure that
 * carries the check's problem, no frame it accepts is refused as a bad frame, and afterwards each instance still
 * runs and answers a correct call through a real client. {@code -Dcell.fuzz.instance.frames=N} (default 10^4).
 */
class InstanceFuzzTest
{
    private static final int RESPONSE = ResponseDecoder.TEMPLATE_ID;
    private static final int FAILURE = FailureDecoder.TEMPLATE_ID;

    private static Path folder(final String name) throws IOException
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name).toAbsolutePath();
    }

    @Test
    @Timeout(600)
    void instancesAnswerEveryFuzzedFrameAndKeepServing() throws Exception
    {
        final String s = System.getProperty("cell.fuzz.seed", "");
        final long seed = s.isBlank() ? System.nanoTime() : Long.parseLong(s.trim());
        final long frames = Long.getLong("cell.fuzz.instance.frames", 10_000);
        System.out.println("InstanceFuzzTest: seed " + seed + ", " + frames + " frames");
        final Path home = folder("home");
        final Map<FrameFuzzer.Cell, CellServer> servers = new LinkedHashMap<>();
        final Map<FrameFuzzer.Cell, RawJunction> junctions = new LinkedHashMap<>();
        try (FrameFuzzer fuzzer = new FrameFuzzer(folder("state"), seed, FrameCheck::of))
        {
            for (final FrameFuzzer.Cell cell : fuzzer.cells())
            {
                if (cell.ledger == null)
                {
                    servers.put(cell, CellServer.start(cell.name, cell.genome, cell.dispatcher, null,
                        folder(cell.name), ServerOptions.defaults().withCellHome(home)
                            .withIdleProfile(IdleProfile.ECO)
                            .withInstanceId("fuzz-" + cell.name + "-" + ProcessHandle.current().pid())));
                }
            }
            final Random random = new Random(seed);
            final Map<FailureCode, Long> failures = new EnumMap<>(FailureCode.class);
            long responses = 0;
            long reconnects = 0;
            long correlationId = 0;
            final long startNs = System.nanoTime();
            for (long i = 0; i < frames; i++)
            {
                FrameFuzzer.Mutant m = fuzzer.next(random, true);
                while (m.cell().ledger != null)
                {
                    m = fuzzer.next(random, true);
                }
                final FrameFuzzer.Cell cell = m.cell();
                final UnsafeBuffer frame = fuzzer.frame();
                final boolean accepted = cell.check.check(frame, 0, m.length());
                final String problem = cell.check.problem();
                // A frame too short for a header, of another schema or with an unknown template may be answered
                // UNKNOWN_HANDLER or BAD_FRAME in the instance's own words.
                final boolean unknownTemplate = !accepted && cell.check.messageName() == null;
                RawJunction raw = junctions.get(cell);
                if (raw == null)
                {
                    raw = new RawJunction(servers.get(cell).runDir(), cell.genome.servedName(),
                        cell.genome.fingerprintValue());
                    junctions.put(cell, raw);
                    reconnects++;
                }
                raw.request(++correlationId, frame, m.length());
                final String where = "seed " + seed + " frame " + i + " to " + cell.name + "." + m.handler() +
                    " (" + m.length() + " bytes, " + (accepted ? "accepted" : "refused: " + problem) + ")";
                final byte[] reply;
                try
                {
                    reply = raw.await();
                }
                catch (final AssertionError ex)
                {
                    throw new AssertionError(where + ": " + ex.getMessage() + (raw.closedByInstance() ?
                        "; the instance closed the junction" : ""), ex);
                }
                final int template = RawJunction.templateId(reply);
                if (template == RESPONSE)
                {
                    assertTrue(accepted, where + ": the instance ran a frame FrameCheck refuses: " + problem);
                    responses++;
                    continue;
                }
                assertEquals(FAILURE, template, where + ": unexpected reply template");
                final FailureDecoder failure = RawJunction.failure(reply);
                final FailureCode code = failure.code();
                final String detail = failure.detail();
                failures.merge(code, 1L, Long::sum);
                if (accepted)
                {
                    assertTrue(code == FailureCode.HANDLER_FAILED || code == FailureCode.UNKNOWN_HANDLER,
                        where + ": an accepted frame failed with " + code + ": " + detail);
                }
                else
                {
                    assertTrue(code == FailureCode.BAD_FRAME || unknownTemplate && code == FailureCode.UNKNOWN_HANDLER,
                        where + ": got " + code + ": " + detail);
                    // A lie in the body is answered with the check's problem, naming the handler and the field.
                    assertTrue(unknownTemplate || detail.contains(problem), where + ": the failure's detail '" +
                        detail + "' does not carry the check's problem");
                }
                if (failure.correlationId() == 0 || raw.closedByInstance())
                {
                    // A failure not tied to the call (correlation id 0) closes the junction: start a new one.
                    raw.close();
                    junctions.remove(cell);
                }
            }
            final long ms = (System.nanoTime() - startNs) / 1_000_000;
            System.gc();
            final long heapMiB = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
            System.out.println("InstanceFuzzTest: " + frames + " frames to " + servers.size() + " instances in " +
                ms + " ms: " + responses + " responses, failures " + failures + ", " + reconnects +
                " junctions opened; heap after GC " + heapMiB + " MiB");
            assertTrue(heapMiB < 256, "heap after the run: " + heapMiB + " MiB");

            final List<String> dead = new ArrayList<>();
            for (final Map.Entry<FrameFuzzer.Cell, CellServer> e : servers.entrySet())
            {
                final FrameFuzzer.Cell cell = e.getKey();
                if (!e.getValue().isRunning())
                {
                    dead.add(cell.name + " stopped");
                    continue;
                }
                final String handler = cell.genome.handlers().getFirst().name();
                final byte[] request = fuzzer.validRequest(cell, handler, 0);
                try (CellConnection c = CellConnection.connect(cell.genome.servedName(),
                    cell.genome.fingerprintValue(), ClientOptions.defaults().withCellHome(home)
                        .withConnectTimeout(Duration.ofSeconds(10)).withCallTimeout(Duration.ofSeconds(10))))
                {
                    c.call(new UnsafeBuffer(request), 0, request.length, new Reply());
                }
                catch (final CellException.HandlerFailed ex)
                {
                    // The instance answered: this handler needs a cell that does not run here.
                }
                catch (final CellException ex)
                {
                    dead.add(cell.name + "." + handler + ": " + ex);
                }
            }
            if (!dead.isEmpty())
            {
                fail("after the fuzzed frames (seed " + seed + "): " + dead);
            }
        }
        finally
        {
            junctions.values().forEach(RawJunction::close);
            servers.values().forEach(CellServer::close);
        }
    }
}
