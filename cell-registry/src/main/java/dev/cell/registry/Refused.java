package dev.cell.registry;

import dev.cell.runtime.CellError;

/**
 * The registry refused a message: its signature does not verify, it is malformed, stale or replayed. Nothing changed.
 */
public final class Refused extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param reason why, in words.
     */
    public Refused(final String reason)
    {
        super("registry refused: " + reason);
        this.reason = reason;
    }

    /**
     * @return why, in words.
     */
    public String reason()
    {
        return reason;
    }
}
