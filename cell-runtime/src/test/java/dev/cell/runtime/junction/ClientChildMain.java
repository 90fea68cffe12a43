package dev.cell.runtime.junction;

import dev.cell.runtime.client.CellConnection;
import dev.cell.runtime.client.Reply;
import org.agrona.ExpandableArrayBuffer;

import java.nio.file.Path;

/**
 * Child JVM of the hung-client test: connects to the echo cell under the given cell home, makes one call, prints
 * "ready", then stays idle (its junction kept alive only by the client heartbeat thread) until killed.
 */
public final class ClientChildMain
{
    private ClientChildMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final CellConnection c = CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(),
            TestSupport.client(Path.of(args[0])));
        final ExpandableArrayBuffer req = new ExpandableArrayBuffer(64);
        EchoCell.request(req, EchoCell.ECHO, 1);
        c.call(req, 0, 16, new Reply());
        System.out.println("ready " + c.instanceId());
        System.out.flush();
        Thread.sleep(120_000);
        c.close();
    }
}
