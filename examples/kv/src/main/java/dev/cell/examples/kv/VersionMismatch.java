package dev.cell.examples.kv;

import dev.cell.runtime.CellError;

/**
 * A compare-and-set found another version.
 */
public final class VersionMismatch extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String key;
    private final long expectedVersion;
    private final long actualVersion;

    /**
     * @param key             the key.
     * @param expectedVersion the version the caller expected.
     * @param actualVersion   the version it has (0: absent).
     */
    public VersionMismatch(final String key, final long expectedVersion, final long actualVersion)
    {
        super("key '" + key + "' has version " + actualVersion + ", not " + expectedVersion);
        this.key = key;
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    /**
     * @return the key.
     */
    public String key()
    {
        return key;
    }

    /**
     * @return the version the caller expected.
     */
    public long expectedVersion()
    {
        return expectedVersion;
    }

    /**
     * @return the version the key has.
     */
    public long actualVersion()
    {
        return actualVersion;
    }
}
