package dev.cell.runtime.junction;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.log.CellLog;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

final class TestSupport
{
    private TestSupport()
    {
    }

    static Path newDir(final String name) throws IOException
    {
        final Path base = Path.of(System.getProperty("cell.test.tmp", "target/cell-test"));
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name + "-").toAbsolutePath();
    }

    /**
     * A log that remembers its lines (and prints them, for the surefire output).
     */
    static final class MemoryLog implements CellLog
    {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void log(
            final Level level,
            final String event,
            final long traceIdHigh,
            final long traceIdLow,
            final long spanId,
            final Object... fields)
        {
            final String line = dev.cell.runtime.log.JsonLinesLog.format(
                java.time.Instant.now(), level, EchoCell.NAME, "test", event, traceIdHigh, traceIdLow, spanId, fields);
            lines.add(line);
            System.out.println(line);
        }

        boolean contains(final String text)
        {
            synchronized (lines)
            {
                for (final String l : lines)
                {
                    if (l.contains(text))
                    {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    static CellServer startEcho(final Path home, final Path cellDir, final IdleProfile profile, final CellLog log)
    {
        return CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null, cellDir,
            ServerOptions.defaults().withCellHome(home).withIdleProfile(profile).withLog(log)
                .withInstanceId("echo-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
    }

    static ClientOptions client(final Path home)
    {
        return ClientOptions.defaults()
            .withCellHome(home)
            .withConnectTimeout(Duration.ofSeconds(10))
            .withCallTimeout(Duration.ofSeconds(10))
            .withClientName("test");
    }

    static void await(final BooleanSupplier condition, final String what)
    {
        final long deadlineNs = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadlineNs)
            {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static long fingerprint()
    {
        return Long.parseUnsignedLong(EchoCell.FINGERPRINT, 16);
    }

    static ClientOptions spin(final ClientOptions o)
    {
        return o.withIdleProfile(IdleProfile.SPIN);
    }
}
