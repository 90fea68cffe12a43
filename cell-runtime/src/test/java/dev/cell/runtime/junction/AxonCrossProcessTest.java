package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.client.Reply;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.fingerprint;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance in another process reached only through its axon endpoint: a handler that runs for seconds does not
 * look like a crash (the instance's keeper beats meanwhile), and kill -9 gives blocking and async callers
 * {@code RemoteCrash} within a second (Aeron's own timeouts are 5–10 s).
 */
class AxonCrossProcessTest
{
    @Test
    void longHandlerIsNoCrashButKillMinusNineIsRemoteCrashWithinOneSecond() throws Exception
    {
        final Children.Child child = Children.start(EchoAxonServerMain.class, List.of(),
            newDir("home").toString(), newDir("cell").toString());
        try
        {
            final String endpoint = child.readyLine().substring("ready ".length()).trim();
            final Path emptyHome = newDir("empty-home");
            final ClientOptions options = client(emptyHome).withEndpoint(Endpoint.parse(endpoint, null))
                .withCallTimeout(java.time.Duration.ofSeconds(60));
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), options);
                CellConnection c2 = CellConnection.connect(EchoCell.NAME, fingerprint(), options))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                EchoCell.request(req, EchoCell.SLOW, 1_500);
                c.call(req, 0, 16, reply);
                assertTrue(!reply.isError(), "a 1.5 s handler answers; its instance was never taken for dead");

                final ExpandableArrayBuffer slow = new ExpandableArrayBuffer(64);
                EchoCell.request(slow, EchoCell.SLOW, 30_000);
                final CompletableFuture<Long> blocking = CompletableFuture.supplyAsync(() ->
                {
                    try
                    {
                        c.call(slow, 0, 16, new Reply());
                        return -1L;
                    }
                    catch (final CellException.RemoteCrash ex)
                    {
                        return System.nanoTime();
                    }
                });
                final CompletableFuture<Reply> outstanding = c2.callAsync(slow, 0, 16);
                // Both calls wait behind the 30 s handler; a second passes with the instance still taken for alive.
                assertThrows(java.util.concurrent.TimeoutException.class, () -> outstanding.get(1, TimeUnit.SECONDS));
                assertTrue(!blocking.isDone(), "no RemoteCrash while the instance lives");

                final long killNs = System.nanoTime();
                child.process().destroyForcibly();
                final long crashNs = blocking.get(10, TimeUnit.SECONDS);
                final long blockingMs = (crashNs - killNs) / 1_000_000;
                final ExecutionException ex = assertThrows(ExecutionException.class,
                    () -> outstanding.get(10, TimeUnit.SECONDS));
                final long asyncMs = (System.nanoTime() - killNs) / 1_000_000;
                assertInstanceOf(CellException.RemoteCrash.class, ex.getCause());
                System.out.println("axon kill -9 -> RemoteCrash: blocking call " + blockingMs +
                    " ms, async call <= " + asyncMs + " ms");
                assertTrue(crashNs > 0 && blockingMs < 1_000, "blocking call saw RemoteCrash after " + blockingMs);
                assertTrue(asyncMs < 1_000, "async call saw RemoteCrash after " + asyncMs);
                assertTrue(ex.getCause().getMessage().contains(endpoint), ex.getCause().getMessage());
            }
        }
        finally
        {
            child.destroy();
        }
    }
}
