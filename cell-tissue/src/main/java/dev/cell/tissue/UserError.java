package dev.cell.tissue;

/**
 * A mistake the user can fix (bad argument, bad {@code cell.toml}, nothing to stop, a build that failed): the
 * command prints the message, which says what was wrong and what to do, and exits with
 * the {@code cell} command's user-error status (2).
 *
 * @since 0.1
 */
public class UserError extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong and what to do about it.
     */
    public UserError(final String message)
    {
        super(message);
    }

    /**
     * @param message what was wrong and what to do about it.
     * @param cause   the underlying failure.
     */
    public UserError(final String message, final Throwable cause)
    {
        super(message, cause);
    }

    /**
     * A user error is reported by its message; its stack trace is never shown, so none is filled in.
     *
     * @return this.
     */
    @Override
    public synchronized Throwable fillInStackTrace()
    {
        return this;
    }
}
