package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.service.CellServer;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.await;
import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static dev.cell.runtime.junction.TestSupport.startEcho;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A connection closed from an async call's completion, which runs on the connection's receiver thread, with more
 * calls in flight behind it: the close returns at once, the calls behind fail {@code Unavailable}, and the transport
 * is released once the receiver has left its loop (never under it: a crash in the receiver after such a close was
 * reported from the registry's lease keeper; this test did not reproduce it before the change).
 */
class CloseFromCallbackTest
{
    @Test
    void closingFromACompletionOnTheReceiverThreadIsSafe() throws Exception
    {
        final Path home = newDir("home");
        try (CellServer server = startEcho(home, newDir("cell"), IdleProfile.ECO, new TestSupport.MemoryLog()))
        {
            for (int round = 0; round < 10; round++)
            {
                final CellConnection c = CellConnection.connect(EchoCell.NAME, 0, client(home));
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                EchoCell.request(req, EchoCell.ECHO, round);
                final CompletableFuture<Long> closedIn = c.callAsync(req, 0, 16).thenApply(reply ->
                {
                    final long value = reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN);
                    c.close();
                    return value;
                });
                // More calls in flight behind it: the receiver goes on to wait for them after the callback returns.
                EchoCell.request(req, EchoCell.SLOW, 200);
                final List<CompletableFuture<Reply>> behind = new ArrayList<>();
                for (int i = 0; i < 8; i++)
                {
                    behind.add(c.callAsync(req, 0, 16));
                }
                assertEquals(round, closedIn.get(10, TimeUnit.SECONDS));
                for (final CompletableFuture<Reply> f : behind)
                {
                    final ExecutionException ex = assertThrows(ExecutionException.class, () -> f.get(10,
                        TimeUnit.SECONDS));
                    assertInstanceOf(CellException.Unavailable.class, ex.getCause());
                }
                assertThrows(CellException.class, () -> c.call(req, 0, 16, new Reply()), "closed means closed");
            }
            await(() -> server.connections() == 0, "every connection released and said goodbye");
        }
    }
}
