package dev.cell.perf.suite;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The serving side of a comparison path, in its own process: {@code Peer <kind> [arg] [wait]}. It prints
 * {@code ready [port]} once it serves and exits when its standard input closes, so a parent that ends (or
 * crashes) never leaves it behind.
 */
public final class Peer
{
    private Peer()
    {
    }

    /**
     * @param args {@code floor FILE WAIT | ring FILE WAIT | aeron DIR WAIT | aeron-udp DIR PING PONG WAIT | tcp |
     *             uds SOCKET | grpc}.
     * @throws Exception when the peer cannot serve.
     */
    public static void main(final String[] args) throws Exception
    {
        final Thread watcher = new Thread(Peer::exitWhenParentGoes, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
        if (args.length == 0)
        {
            throw new IllegalArgumentException("usage: Peer floor|ring|aeron|aeron-udp|tcp|uds|grpc [arg] [wait]");
        }
        switch (args[0])
        {
            case "floor" -> SharedMemory.serveFloor(Path.of(args[1]), Wait.parse(args[2]));
            case "ring" -> SharedMemory.serveRing(Path.of(args[1]), Wait.parse(args[2]));
            case "aeron" -> AeronIpc.serve(args[1], Wait.parse(args[2]));
            case "aeron-udp" -> AeronIpc.serveUdp(args[1], Wait.parse(args[4]), args[2], args[3]);
            case "tcp" -> Sockets.serve(null);
            case "uds" -> Sockets.serve(Path.of(args[1]));
            case "grpc" -> Grpc.serve();
            default -> throw new IllegalArgumentException(
                "unknown peer kind '" + args[0] + "': use floor, ring, aeron, aeron-udp, tcp, uds or grpc");
        }
    }

    static void ready(final String detail)
    {
        System.out.println(detail.isEmpty() ? "ready" : "ready " + detail);
        System.out.flush();
    }

    private static void exitWhenParentGoes()
    {
        try
        {
            while (System.in.read() != -1)
            {
                // nothing is sent on stdin: it only tells us the parent is alive
            }
        }
        catch (final IOException ignored)
        {
            // a broken pipe means the same as end of input
        }
        System.exit(0);
    }
}
