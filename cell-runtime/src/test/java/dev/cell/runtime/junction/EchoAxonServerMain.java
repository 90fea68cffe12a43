package dev.cell.runtime.junction;

import dev.cell.runtime.service.CellServer;

import java.nio.file.Path;
import java.util.Set;

/**
 * Child JVM of the axon cross-process test: serves the echo cell on an ephemeral loopback UDP endpoint, prints
 * "ready &lt;endpoint&gt;", runs until killed.
 */
public final class EchoAxonServerMain
{
    private EchoAxonServerMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final CellServer server = AxonLoopbackTest.startAxonEcho(Path.of(args[0]), Path.of(args[1]),
            new TestSupport.MemoryLog(), Set.of(), false);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("ready " + server.record().axon());
        System.out.flush();
        server.awaitStop();
    }
}
