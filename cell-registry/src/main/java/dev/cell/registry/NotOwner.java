package dev.cell.registry;

import dev.cell.runtime.CellError;

/**
 * A key that does not own a cell name tried to use it. Nothing changed.
 */
public final class NotOwner extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String cell;
    private final String key;
    private final String owners;

    /**
     * @param cell   the name.
     * @param key    the key that tried.
     * @param owners the keys that own it, comma separated.
     */
    public NotOwner(final String cell, final String key, final String owners)
    {
        super("key " + key + " does not own the cell name '" + cell + "' (owners: " + owners + ")");
        this.cell = cell;
        this.key = key;
        this.owners = owners;
    }

    /**
     * @return the name.
     */
    public String cell()
    {
        return cell;
    }

    /**
     * @return the key that tried.
     */
    public String key()
    {
        return key;
    }

    /**
     * @return the keys that own it, comma separated.
     */
    public String owners()
    {
        return owners;
    }
}
