package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import dev.cell.runtime.discovery.ConsumerRegistry;
import dev.cell.runtime.genome.Genome;
import dev.cell.runtime.service.CellServer;
import dev.cell.runtime.service.ServerOptions;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.cell.runtime.junction.TestSupport.client;
import static dev.cell.runtime.junction.TestSupport.newDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client built from a genome names the handlers it calls with their fingerprints: the instance accepts it when
 * each is the current shape or one it still serves (an earlier schema version), whatever the whole fingerprint, and
 * refuses it naming the handler otherwise; an accepted use is recorded under the cell home.
 */
class HandlerHandshakeTest
{
    private static Genome evolved()
    {
        // Handler "echo" gained an optional field: shape "12" now, still serving shape "02".
        return new Genome(EchoCell.NAME, "1.1.0", "00000000000000bb", EchoCell.SCHEMA_ID, 1,
            List.of(
                new Genome.Handler("boom", "BoomRequest", EchoCell.BOOM, "BoomResponse", 103, List.of(), "11"),
                new Genome.Handler("echo", "EchoRequest", EchoCell.ECHO, "EchoResponse", EchoCell.ECHO_REPLY,
                    List.of(), "12", List.of("02"), false),
                new Genome.Handler("fail", "FailRequest", EchoCell.FAIL, "FailResponse", 102, List.of("Nope"), "03")),
            List.of(new Genome.ErrorType("Nope", EchoCell.ERROR_REPLY, "test.Nope")),
            EchoCell.genome().schemaXml());
    }

    @Test
    void acceptsCompatibleHandlersRefusesTheOthersNamingThemAndRecordsTheUse() throws Exception
    {
        final Path home = newDir("home");
        final Path cellDir = newDir("cell");
        final CellServer server = CellServer.start(EchoCell.NAME, evolved(), EchoCell.dispatcher(), null, cellDir,
            ServerOptions.defaults().withCellHome(home).withIdleProfile(IdleProfile.ECO)
                .withLog(new TestSupport.MemoryLog()));
        try
        {
            // Whole fingerprint differs (aa vs bb) but the handlers used are served: accepted.
            try (CellConnection c = CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(),
                Map.of("echo", "02", "fail", "03"), client(home)))
            {
                final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
                final Reply reply = new Reply();
                final int len = EchoCell.request(req, EchoCell.ECHO, 42);
                c.call(req, 0, len, reply);
                assertFalse(reply.isError());
                assertEquals(42, reply.buffer().getLong(8, ByteOrder.LITTLE_ENDIAN));
            }
            final List<ConsumerRegistry.Consumer> consumers = ConsumerRegistry.live(home, EchoCell.NAME);
            assertEquals(1, consumers.size());
            assertEquals(Map.of("echo", "02", "fail", "03"), consumers.getFirst().handlers());
            assertEquals("test", consumers.getFirst().consumer());
            assertEquals(ProcessHandle.current().pid(), consumers.getFirst().pid());

            // A handler whose shape changed incompatibly: refused, naming it.
            final CellException.SchemaMismatch ex = assertThrows(CellException.SchemaMismatch.class,
                () -> CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(),
                Map.of("echo", "02", "boom", "01"), client(home)).close());
            assertTrue(ex.getMessage().contains("handler 'boom'"), ex.getMessage());
            assertFalse(ex.getMessage().contains("handler 'echo'"), ex.getMessage());

            // A handler the instance does not have: refused, naming it.
            final CellException.SchemaMismatch gone = assertThrows(CellException.SchemaMismatch.class,
                () -> CellConnection.connect(EchoCell.NAME, 0, Map.of("nothere", "05"), client(home)).close());
            assertTrue(gone.getMessage().contains("handler 'nothere' does not exist"), gone.getMessage());

            // A client that names no handlers is judged by the whole fingerprint, as before.
            assertThrows(CellException.SchemaMismatch.class,
                () -> CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(), client(home)).close());
        }
        finally
        {
            server.close();
        }
    }
}
