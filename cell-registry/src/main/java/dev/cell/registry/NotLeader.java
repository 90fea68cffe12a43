package dev.cell.registry;

import dev.cell.runtime.CellError;

/**
 * The replica that answered does not lead the registry group (leadership moved, or it runs without its lease keeper):
 * try again, through this replica or another.
 */
public final class NotLeader extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String detail;

    /**
     * @param detail what the replica knows.
     */
    public NotLeader(final String detail)
    {
        super("not the registry's leader: " + detail);
        this.detail = detail;
    }

    /**
     * @return what the replica knows.
     */
    public String detail()
    {
        return detail;
    }
}
