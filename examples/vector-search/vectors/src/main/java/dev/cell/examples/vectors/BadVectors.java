package dev.cell.examples.vectors;

import dev.cell.runtime.CellError;

/**
 * Vectors that do not fit the index: a length that is not a whole number of vectors, another dimension than the
 * index's, or a batch or k out of range.
 */
public final class BadVectors extends CellError
{
    private static final long serialVersionUID = 1L;

    private final String reason;

    /**
     * @param reason what is wrong.
     */
    public BadVectors(final String reason)
    {
        super("bad vectors: " + reason);
        this.reason = reason;
    }

    /**
     * @return what is wrong.
     */
    public String reason()
    {
        return reason;
    }
}
