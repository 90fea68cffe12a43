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

    /**
     * @param c a connection opened with race options.
     * @return the instance its latest call went to.
     */
    public static String lastInstance(final CellConnection c)
    {
        return c.instanceId();
    }
}
