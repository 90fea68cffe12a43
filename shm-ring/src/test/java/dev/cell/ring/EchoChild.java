package dev.cell.ring;

import org.agrona.DirectBuffer;

import java.nio.file.Path;

/**
 * Child JVM for the cross-process tests: attaches to a junction as the server and echoes every frame, sleeping on
 * its doorbell (eco) with the given sleep timeout when idle. Exits when the client closes or after 60 s.
 */
public final class EchoChild
{
    private EchoChild()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path path = Path.of(args[0]);
        final long sleepNs = Long.parseLong(args[1]);
        final long endNs = System.nanoTime() + 60_000_000_000L;
        try (Junction junction = Junction.attach(path))
        {
            final Idler idler = new Idler(Idler.Mode.ECO, junction.localDoorbell(), 1_000L, 2_000L, sleepNs);
            final FrameHandler echo = (final int type, final DirectBuffer buffer, final int index, final int length) ->
            {
                while (junction.send(type, buffer, index, length) == Junction.BACK_PRESSURED)
                {
                    Thread.onSpinWait();
                }
                return true;
            };
            while (!junction.peerClosed() && System.nanoTime() < endNs)
            {
                final int read = junction.read(echo, 16);
                if (read < 0)
                {
                    System.out.println("corrupt: " + junction.corruption());
                    System.exit(3);
                }
                idler.idle(read, junction::hasInbound);
            }
        }
    }
}
