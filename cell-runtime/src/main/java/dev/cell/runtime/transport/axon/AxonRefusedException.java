package dev.cell.runtime.transport.axon;

/**
 * The instance refused an axon session, or could not prove the identity the caller expected: trying again will not
 * change that.
 *
 * @since 0.2
 */
public final class AxonRefusedException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened.
     */
    public AxonRefusedException(final String message)
    {
        super(message, null, false, false);
    }
}
