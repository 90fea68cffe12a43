package dev.cell.runtime.transport.axon;

/**
 * No axon session could be opened in time: nothing listens at the endpoint, or it is unreachable.
 *
 * @since 0.2
 */
public final class AxonUnreachableException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened.
     */
    public AxonUnreachableException(final String message)
    {
        super(message, null, false, false);
    }
}
