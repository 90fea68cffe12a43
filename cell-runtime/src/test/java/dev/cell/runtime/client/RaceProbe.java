package dev.cell.runtime.client;

/**
 * Test access to a racing connection's members.
 */
public final class RaceProbe
{
    private RaceProbe()
    {
    }

    /**
     * @param c a connection opened with race options.
     * @return how many instances it keeps now.
     */
    public static int members(final CellConnection c)
    {
        return ((RacingConnection)c).members().length;
    }
}
