package dev.cell.examples.fuzz;

import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.discovery.InstanceRecord;
import dev.cell.runtime.discovery.InstanceRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.genome.GenomeCodec;
import dev.cell.runtime.service.CellBinding;
import dev.cell.sbe.codecs.FailureCode;
import dev.cell.sbe.codecs.FailureDecoder;
import dev.cell.sbe.codecs.ResponseDecoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 24-byte cell message whose var-data length claims 200 MiB, sent to an instance JVM of the catalog cell running
 * with {@code -Xmx256m}: refused with a BAD_FRAME failure naming handler and field, before anything is allocated;
 * the instance keeps serving the same junction and new ones, and never meets an OutOfMemoryError.
 */
class ChildInstanceLieTest
{
    private static final long CLAIM = 200L << 20;

    @Test
    @Timeout(120)
    void aFrameClaiming200MiBIsRefusedByASmallInstance() throws Exception
    {
        final Genome genome = genome("catalog");
        final Genome.Handler price = genome.handler("price");
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        final Path home = Files.createTempDirectory(base, "child-home").toAbsolutePath();
        final Path cellDir = Files.createTempDirectory(base, "child-catalog").toAbsolutePath();
        final List<String> output = Collections.synchronizedList(new ArrayList<>());
        Process child = null;
        try
        {
            child = start(home, cellDir, output);
            final InstanceRecord record = awaitInstance(home, child);

            // Header (block 0, price's request template), then the 'sku' length: 200 MiB, then 12 bytes.
            final UnsafeBuffer lie = new UnsafeBuffer(new byte[24]);
            lie.putShort(0, (short)0, ByteOrder.LITTLE_ENDIAN);
            lie.putShort(2, (short)price.requestTemplateId(), ByteOrder.LITTLE_ENDIAN);
            lie.putShort(4, (short)genome.schemaId(), ByteOrder.LITTLE_ENDIAN);
            lie.putShort(6, (short)genome.schemaVersion(), ByteOrder.LITTLE_ENDIAN);
            lie.putInt(8, (int)CLAIM, ByteOrder.LITTLE_ENDIAN);
            lie.putBytes(12, "apple-apple-".getBytes(StandardCharsets.US_ASCII));

            final ExpandableArrayBuffer valid = new ExpandableArrayBuffer(64);
            final int validLength = GenomeCodec.of(genome).encodeRequest("price", Map.of("sku", "apple"), valid, 0);

            try (RawJunction raw = new RawJunction(record.runDir(), genome.servedName(), genome.fingerprintValue()))
            {
                raw.request(1, lie, lie.capacity());
                final byte[] reply = raw.await();
                assertEquals(FailureDecoder.TEMPLATE_ID, RawJunction.templateId(reply));
                final FailureDecoder failure = RawJunction.failure(reply);
                assertEquals(FailureCode.BAD_FRAME, failure.code());
                assertEquals(1, failure.correlationId());
                final String detail = failure.detail();
                assertTrue(detail.contains("handler 'price' field 'sku': length " + CLAIM + " exceeds the 12 " +
                    "bytes left"), detail);

                // The same junction still serves.
                raw.request(2, valid, validLength);
                assertEquals(ResponseDecoder.TEMPLATE_ID, RawJunction.templateId(raw.await()));
            }
            // And so does a new connection, through a real client.
            try (CellConnection c = CellConnection.connect(genome.servedName(), genome.fingerprintValue(),
                ClientOptions.defaults().withCellHome(home).withConnectTimeout(Duration.ofSeconds(10))
                    .withCallTimeout(Duration.ofSeconds(10))))
            {
                final Reply reply = new Reply();
                c.call(valid, 0, validLength, reply);
                assertFalse(reply.isError(), "price of apple");
                assertEquals(price.responseTemplateId(), reply.templateId());
            }
            assertTrue(child.isAlive(), "the instance is still running");
            assertEquals(List.of(record.pid()), InstanceRegistry.live(home, "catalog").stream()
                .map(InstanceRecord::pid).toList(), "the same single instance serves: nothing restarted");
            synchronized (output)
            {
                assertTrue(output.stream().noneMatch(l -> l.contains("OutOfMemoryError")), String.join("\n", output));
            }
        }
        finally
        {
            if (child != null)
            {
                child.destroy();
                if (!child.waitFor(10, TimeUnit.SECONDS))
                {
                    child.destroyForcibly();
                    child.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    private static Genome genome(final String cell)
    {
        for (final CellBinding<?> b : ServiceLoader.load(CellBinding.class))
        {
            if (b.cellName().equals(cell))
            {
                return b.genome();
            }
        }
        throw new AssertionError("no binding of cell " + cell + " on the class path");
    }

    private static Process start(final Path home, final Path cellDir, final List<String> output) throws IOException
    {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String flag : System.getProperty("child.jvm.flags", "").trim().split("\\s+"))
        {
            if (!flag.isEmpty())
            {
                cmd.add(flag);
            }
        }
        cmd.add("-Xmx256m");
        cmd.add("-Dcell.home=" + home);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.cell.runtime.service.CellMain");
        cmd.add("--cell-dir");
        cmd.add(cellDir.toString());
        cmd.add("--cell");
        cmd.add("catalog");
        cmd.add("--instance");
        cmd.add("catalog-lie-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread.ofPlatform().daemon(true).name("child-output").start(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    output.add(line);
                    System.out.println("child: " + line);
                }
            }
            catch (final IOException ignore)
            {
                // The child is gone.
            }
        });
        return p;
    }

    private static InstanceRecord awaitInstance(final Path home, final Process child)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadlineNs)
        {
            final List<InstanceRecord> live = InstanceRegistry.live(home, "catalog");
            if (!live.isEmpty())
            {
                return live.getFirst();
            }
            if (!child.isAlive())
            {
                throw new AssertionError("the catalog instance exited with " + child.exitValue());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new AssertionError("the catalog instance did not register within 60 s");
    }
}
