package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.ClientOptions;
import dev.cell.runtime.client.Endpoint;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.identity.Identity;
import dev.cell.runtime.service.AxonOptions;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import dev.cell.runtime.transport.axon.AxonMedia;
import io.aeron.ExclusivePublication;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.cell.runtime.junction.TestSupport.await;
import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.fingerprint;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated-client path over an axon on loopback: a real Aeron UDP session with the Noise handshake, against an
 * in-process instance whose registry the client never sees (its cell home is another, empty one).
 */
class AxonLoopbackTest
{
    static CellServer startAxonEcho(final Path home, final Path cellDir, final TestSupport.MemoryLog log,
        final Set<String> allowed, final boolean plaintext)
    {
        return CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null, cellDir,
            ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO).withLog(log)
                .withInstanceId("echo-axon-" + ProcessHandle.current().pid() + "-" + System.nanoTime())
                .withAxon(new AxonOptions("127.0.0.1:0", plaintext, allowed, null)));
    }

    static ClientOptions remote(final CellServer server, final String key) throws Exception
    {
        final String endpoint = server.record().axon();
        assertNotNull(endpoint, "the instance registers its axon endpoint");
        return client(newDir("empty-home")).withEndpoint(Endpoint.parse(endpoint, key));
    }

    @Test
    void callsRepliesErrorsAsyncGenomeAndLargeFramesCrossTheAxon() throws Exception
    {
        final TestSupport.MemoryLog log = new TestSupport.MemoryLog();
        try (CellServer server = startAxonEcho(newDir("home"), newDir("cell"), log, Set.of(), false))
        {
            final String serverKey = Identity.loadOrCreate(AxonOptions.identityFileOf(
                server.record().cellDir())).publicId();
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), remote(server, serverKey)))
            {
                assertEquals(server.instanceId(), c.instanceId());
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                for (int i = 0; i < 2_000; i++)
                {
                    final int len = EchoCell.request(req, EchoCell.ECHO, i);
                    c.call(req, 0, len, reply);
                    assertFalse(reply.isError());
                    assertEquals(i, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
                }
                EchoCell.request(req, EchoCell.FAIL, 0);
                c.call(req, 0, 16, reply);
                assertTrue(reply.isError(), "a declared error arrives as one");
                assertEquals(EchoCell.ERROR_REPLY, reply.templateId());

                final List<CompletableFuture<Reply>> futures = new ArrayList<>();
                for (int i = 0; i < 200; i++)
                {
                    EchoCell.request(req, EchoCell.ECHO, 10_000 + i);
                    futures.add(c.callAsync(req, 0, 16));
                }
                for (int i = 0; i < futures.size(); i++)
                {
                    assertEquals(10_000 + i, futures.get(i).get(10, TimeUnit.SECONDS).buffer()
                        .getLong(8, ByteOrder.LITTLE_ENDIAN));
                }
                assertEquals(EchoCell.genome(), c.genome(), "the genome (several fragments) arrives whole");
                assertTrue(log.contains(serverKey.substring(0, 20)) || log.contains("\"instance.axon\""));
            }
            await(() -> server.connections() == 0, "the instance noticed the goodbye");
            assertTrue(log.contains("\"connection.opened\""));
        }
    }

    @Test
    void sessionsStillInTheirHandshakeTakeNoPlaceOfAuthenticatedOnesAndTheLimitIsSaidInAReject() throws Exception
    {
        final TestSupport.MemoryLog log = new TestSupport.MemoryLog();
        final AxonMedia media = AxonMedia.acquire();
        final List<ExclusivePublication> silent = new ArrayList<>();
        try (CellServer server = CellServer.start(EchoCell.NAME, EchoCell.genome(), EchoCell.dispatcher(), null,
            newDir("cell"), ServerOptions.defaults().withCellHome(newDir("home")).withLog(log).withMaxConnections(1)
                .withInstanceId("echo-axon-limit-" + System.nanoTime())
                .withAxon(new AxonOptions("127.0.0.1:0", false, Set.of(), null))))
        {
            // Three Aeron sessions that never say HELLO: what spoofed SETUPs look like to the instance.
            for (int i = 0; i < 3; i++)
            {
                silent.add(media.aeron().addExclusivePublication("aeron:udp?endpoint=" + server.record().axon() +
                    "|term-length=" + AxonMedia.TERM_LENGTH, 0xCE11)); // the axon stream id
            }
            await(() -> server.connections() == 3, "the instance to see the three sessions");
            try (CellConnection first = CellConnection.connect(EchoCell.NAME, fingerprint(), remote(server, null)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                first.call(req, 0, EchoCell.request(req, EchoCell.ECHO, 7), reply);
                assertEquals(7, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN), "served, though 3 > 1 sessions");
                // Told at once, as a place another instance may have (not left to the connect timeout).
                final long startNs = System.nanoTime();
                final CellException.Unavailable ex = assertThrows(CellException.Unavailable.class,
                    () -> CellConnection.connect(EchoCell.NAME, fingerprint(), remote(server, null)));
                assertTrue(ex.getMessage().contains("has 1 connections open"), ex.getMessage());
                assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(5), "a reject, not a timeout");
            }
        }
        finally
        {
            silent.forEach(ExclusivePublication::close);
            media.release();
        }
    }

    @Test
    void aCallerWhoseKeyIsNotAllowedIsRefusedWithItsKeyNamed() throws Exception
    {
        final String someoneElse = Identity.loadOrCreate(newDir("other").resolve("k.key")).publicId();
        final TestSupport.MemoryLog log = new TestSupport.MemoryLog();
        try (CellServer server = startAxonEcho(newDir("home"), newDir("cell"), log, Set.of(someoneElse), false))
        {
            final ClientOptions options = remote(server, null);
            final String me = Identity.host(options.cellHome()).publicId();
            final CellException.Rejected ex = assertThrows(CellException.Rejected.class,
                () -> CellConnection.connect(EchoCell.NAME, fingerprint(), options));
            assertTrue(ex.getMessage().contains(me), ex.getMessage());
            assertEquals(0, server.calls(), "no handler ran");
            await(() -> log.contains("\"connection.rejected\""), "the refusal is logged");
        }
    }

    @Test
    void anInstanceThatCannotProveTheExpectedKeyIsRefused() throws Exception
    {
        final String expected = Identity.loadOrCreate(newDir("other").resolve("k.key")).publicId();
        try (CellServer server = startAxonEcho(newDir("home"), newDir("cell"), new TestSupport.MemoryLog(),
            Set.of(), false))
        {
            final CellException.Rejected ex = assertThrows(CellException.Rejected.class,
                () -> CellConnection.connect(EchoCell.NAME, fingerprint(), remote(server, expected)));
            assertTrue(ex.getMessage().contains("handshake"), ex.getMessage());
            assertEquals(0, server.calls());
        }
    }

    @Test
    void plaintextSessionsNeedBothSidesToAgree() throws Exception
    {
        try (CellServer server = startAxonEcho(newDir("home"), newDir("cell"), new TestSupport.MemoryLog(),
            Set.of(), true))
        {
            final CellException.Rejected ex = assertThrows(CellException.Rejected.class,
                () -> CellConnection.connect(EchoCell.NAME, fingerprint(), remote(server, null)));
            assertTrue(ex.getMessage().contains("plaintext"), ex.getMessage());
        }
    }

    @Test
    void aStalledInstanceBackPressuresTheCallerTypedAndRecovers() throws Exception
    {
        try (CellServer server = startAxonEcho(newDir("home"), newDir("cell"), new TestSupport.MemoryLog(),
            Set.of(), false);
            CellConnection c = CellConnection.connect(EchoCell.NAME, fingerprint(), remote(server, null)))
        {
            final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
            EchoCell.request(req, EchoCell.SLOW, 2_000);
            final CompletableFuture<Reply> slow = c.callAsync(req, 0, 16);
            await(() -> server.calls() == 1, "the slow handler runs");
            // The serving thread reads nothing now: the session's flow-control window fills and sends are refused.
            CellException.BackPressure refused = null;
            final List<CompletableFuture<Reply>> queued = new ArrayList<>();
            for (int i = 0; i < 1_000_000 && refused == null; i++)
            {
                EchoCell.request(req, EchoCell.ECHO, i);
                final CompletableFuture<Reply> f = c.callAsync(req, 0, 16);
                if (f.isCompletedExceptionally())
                {
                    try
                    {
                        f.join();
                    }
                    catch (final java.util.concurrent.CompletionException ex)
                    {
                        refused = (CellException.BackPressure)ex.getCause();
                    }
                }
                else
                {
                    queued.add(f);
                }
            }
            assertNotNull(refused, "a full window is BackPressure");
            assertTrue(refused.getMessage().contains("nothing was sent"), refused.getMessage());
            slow.get(20, TimeUnit.SECONDS);
            for (final CompletableFuture<Reply> f : queued)
            {
                assertFalse(f.get(20, TimeUnit.SECONDS).isError(), "every call sent before the refusal is answered");
            }
            final Reply reply = new Reply();
            EchoCell.request(req, EchoCell.ECHO, 42);
            c.call(req, 0, 16, reply);
            assertEquals(42, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN), "the session carries on");
        }
    }
}
