package dev.cell.cli;

import java.nio.file.Path;

/**
 * Names a test's cell home in the {@code cell.home} property (what the commands resolve) and puts back what was
 * there when closed.
 */
final class CellHomeProperty implements AutoCloseable
{
    private static final String NAME = "cell.home";

    private final String previous;

    private CellHomeProperty(final Path home)
    {
        this.previous = System.getProperty(NAME);
        System.setProperty(NAME, home.toString());
    }

    /**
     * @param home the test's cell home.
     * @return what puts the previous value back.
     */
    static CellHomeProperty set(final Path home)
    {
        return new CellHomeProperty(home);
    }

    @Override
    public void close()
    {
        if (previous == null)
        {
            System.clearProperty(NAME);
        }
        else
        {
            System.setProperty(NAME, previous);
        }
    }
}
