package dev.cell.runtime.junction;

import dev.cell.runtime.IdleProfile;
import dev.cell.runtime.service.CellServer;

import java.nio.file.Path;

/**
 * Child JVM of the cross-process test: serves the echo cell, prints "ready", runs until killed.
 */
public final class EchoServerMain
{
    private EchoServerMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final CellServer server = TestSupport.startEcho(
            Path.of(args[0]), Path.of(args[1]), IdleProfile.parse(args.length > 2 ? args[2] : "eco"),
            new TestSupport.MemoryLog());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("ready " + server.instanceId());
        System.out.flush();
        server.awaitStop();
    }
}
