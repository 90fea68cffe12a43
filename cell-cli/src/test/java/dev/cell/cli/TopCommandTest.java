package dev.cell.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code cell top}: the table it draws (golden output) and {@code --once} with nothing running.
 */
class TopCommandTest
{
    @Test
    void theTableIsAlignedAndUnitsAreReadable()
    {
        final String table = TopCommand.render(List.of(
            new TopCommand.Row("exchange", "exchange-4711", 4711, "ready", 1234.5, 2.5, 1_500, 12_250, 37.25,
                96L << 20, 0),
            new TopCommand.Row("trader", "trader-4712", 4712, "", 0, 0, -1, -1, 0, -1, -1)));
        assertEquals("""
            CELL      INSTANCE       PID   STATE  CALLS/S  ERR/S  P50    P99     CPU%  RSS    RESTARTS
            exchange  exchange-4711  4711  ready  1234.5   2.5    1.5us  12.3us  37.3  96MiB  0
            trader    trader-4712    4712  -      0.0      0.0    -      -       0.0   -      -
            """, table);
    }

    @Test
    void onceWithNothingRunningSaysSo(@TempDir final Path home)
    {
        final String previous = System.getProperty("cell.home");
        System.setProperty("cell.home", home.toString());
        try
        {
            final Cli cli = Cli.run("top", "--once", "--interval", "10ms");
            assertEquals(0, cli.code(), cli.toString());
            assertEquals("CELL  INSTANCE  PID  STATE  CALLS/S  ERR/S  P50  P99  CPU%  RSS  RESTARTS\n" +
                "(no live instance)\n", cli.out());
        }
        finally
        {
            if (previous == null)
            {
                System.clearProperty("cell.home");
            }
            else
            {
                System.setProperty("cell.home", previous);
            }
        }
    }
}
