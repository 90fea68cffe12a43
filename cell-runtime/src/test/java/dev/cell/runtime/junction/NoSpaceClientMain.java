package dev.cell.runtime.junction;

import dev.cell.runtime.CellException;
import dev.cell.runtime.client.CellConnection;

import java.nio.file.Path;

/**
 * Child JVM of the full-disk test: tries to connect to the echo cell and prints "ready" with the outcome (the
 * message of the {@code Unavailable} it got, or "connected").
 */
public final class NoSpaceClientMain
{
    private NoSpaceClientMain()
    {
    }

    public static void main(final String[] args)
    {
        final long startNs = System.nanoTime();
        String outcome;
        try (CellConnection c = CellConnection.connect(EchoCell.NAME, TestSupport.fingerprint(),
            TestSupport.client(Path.of(args[0]))))
        {
            outcome = "connected to " + c.instanceId();
        }
        catch (final CellException.Unavailable ex)
        {
            outcome = "unavailable " + ex.getMessage();
        }
        System.out.println("ready " + (System.nanoTime() - startNs) / 1_000_000L + " ms " + outcome);
        System.out.flush();
    }
}
