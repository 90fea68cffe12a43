package dev.cell.cli;

/**
 * A mistake the user can fix (bad argument, bad {@code cell.toml}, nothing to stop, a build that failed): the
 * command prints the message, which says what was wrong and what to do, and exits with
 * {@link CellCommand#EXIT_USER_ERROR}.
 *
 * @since 0.1
 */
public final class UserError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong and what to do about it.
     */
    public UserError(final String message)
    {
        super(message, null, false, false);
    }

    /**
     * @param message what was wrong and what to do about it.
     * @param cause   the underlying failure.
     */
    public UserError(final String message, final Throwable cause)
    {
        super(message, cause, false, false);
    }
}
