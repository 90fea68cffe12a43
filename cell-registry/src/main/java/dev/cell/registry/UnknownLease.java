package dev.cell.registry;

import dev.cell.runtime.CellError;

/**
 * No live lease matches: it expired, was revoked or replaced, or the nonce is wrong. The instance announces itself
 * again.
 */
public final class UnknownLease extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String cell;
    private final String instanceId;
    private final long grantIndex;

    /**
     * @param cell       the cell's name.
     * @param instanceId the instance.
     * @param grantIndex the lease it named.
     */
    public UnknownLease(final String cell, final String instanceId, final long grantIndex)
    {
        super("no live lease " + grantIndex + " of instance '" + instanceId + "' of cell '" + cell + "'");
        this.cell = cell;
        this.instanceId = instanceId;
        this.grantIndex = grantIndex;
    }

    /**
     * @return the cell's name.
     */
    public String cell()
    {
        return cell;
    }

    /**
     * @return the instance.
     */
    public String instanceId()
    {
        return instanceId;
    }

    /**
     * @return the lease it named.
     */
    public long grantIndex()
    {
        return grantIndex;
    }
}
