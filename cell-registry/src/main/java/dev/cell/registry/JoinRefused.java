package dev.cell.registry;

import dev.cell.runtime.CellError;

/**
 * A join was refused: the token is unknown, used or expired, or the address cannot be a member's. Nothing changed.
 */
public final class JoinRefused extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param reason why, in words.
     */
    public JoinRefused(final String reason)
    {
        super("join refused: " + reason);
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
