package dev.cell.runtime.secure;

/**
 * A Noise handshake or transport message was refused: it did not authenticate, was malformed, or came out of turn.
 * The connection it came on must be closed.
 *
 * @since 0.1
 */
public final class NoiseException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong.
     */
    public NoiseException(final String message)
    {
        super(message);
    }
}
