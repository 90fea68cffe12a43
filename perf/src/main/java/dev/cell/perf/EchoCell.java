package dev.cell.perf;

import dev.cell.runtime.Cell;

/**
 * The cell the junction benchmark calls: answers a {@link Ping} with the same values.
 */
@Cell("echo")
public final class EchoCell
{
    /**
     * @param ping a ping.
     * @return the same ping.
     */
    public Ping echo(final Ping ping)
    {
        return ping;
    }
}
