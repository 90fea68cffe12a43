package dev.cell.ring;

/**
 * A mapped file is not what it claims to be: wrong magic, unsupported layout version, inconsistent sizes. The
 * message says which file, what was found and what was expected.
 *
 * @since 0.1
 */
public final class LayoutException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which file, what was found, what was expected.
     */
    public LayoutException(final String message)
    {
        super(message);
    }
}
