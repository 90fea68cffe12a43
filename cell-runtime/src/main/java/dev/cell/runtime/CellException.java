package dev.cell.runtime;

/**
 * Failures of the SDK itself, as opposed to a cell's own {@link CellError}s. The hierarchy is sealed so a caller can
 * {@code switch} over it exhaustively:
 * <pre>{@code
 * catch (final CellException ex)
 * {
 *     switch (ex)
 *     {
 *         case CellException.Unavailable e -> ...
 *         case CellException.DeadlineExceeded e -> ...
 *         case CellException.SchemaMismatch e -> ...
 *         case CellException.BackPressure e -> ...
 *         case CellException.RemoteCrash e -> ...
 *         case CellException.Rejected e -> ...
 *         case CellException.HandlerFailed e -> ...
 *     }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public abstract sealed class CellException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final String cell;

    CellException(final String cell, final String message)
    {
        super(message, null, false, false);
        this.cell = cell;
    }

    /**
     * @return the name of the cell the call was for.
     */
    public String cell()
    {
        return cell;
    }

    /**
     * No live instance of the cell could be reached, or the instance is stopping.
     */
    public static final class Unavailable extends CellException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param cell    the cell.
         * @param message what was tried and what to do.
         */
        public Unavailable(final String cell, final String message)
        {
            super(cell, message);
        }
    }

    /**
     * The call's deadline passed before a reply arrived (client side) or before the handler ran (instance side).
     */
    public static final class DeadlineExceeded extends CellException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param cell    the cell.
         * @param message which call and which deadline.
         */
        public DeadlineExceeded(final String cell, final String message)
        {
            super(cell, message);
        }
    }

    /**
     * The instance's genome fingerprint differs from the one the client was built against.
     */
    public static final class SchemaMismatch extends CellException
    {
        private static final long serialVersionUID = 1L;

        private final String expectedFingerprint;
        private final String actualFingerprint;

        /**
         * @param cell                the cell.
         * @param expectedFingerprint the fingerprint the client was built against (hex).
         * @param actualFingerprint   the running instance's fingerprint (hex).
         * @param message             what to do about it.
         */
        public SchemaMismatch(
            final String cell, final String expectedFingerprint, final String actualFingerprint, final String message)
        {
            super(cell, message);
            this.expectedFingerprint = expectedFingerprint;
            this.actualFingerprint = actualFingerprint;
        }

        /**
         * @return the fingerprint the client was built against (hex).
         */
        public String expectedFingerprint()
        {
            return expectedFingerprint;
        }

        /**
         * @return the running instance's fingerprint (hex).
         */
        public String actualFingerprint()
        {
            return actualFingerprint;
        }
    }

    /**
     * The junction's ring towards the instance is full: the instance is not keeping up. Nothing was sent.
     */
    public static final class BackPressure extends CellException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param cell    the cell.
         * @param message which ring and how full.
         */
        public BackPressure(final String cell, final String message)
        {
            super(cell, message);
        }
    }

    /**
     * The instance died (its process is gone) while the call was outstanding.
     */
    public static final class RemoteCrash extends CellException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param cell    the cell.
         * @param message which instance and pid.
         */
        public RemoteCrash(final String cell, final String message)
        {
            super(cell, message);
        }
    }

    /**
     * The instance refused the connection or the request (bad frame, unknown handler, wrong cell), or this client
     * refused what the instance sent: a frame that fails the protocol check ("instance X sent a malformed frame: …",
     * the connection closes and every outstanding call fails with it) or a reply that fails the check of the genome
     * the client was built from ("reply … refused before decoding: …", only that call fails). Either is the
     * instance's fault, not the caller's; another instance may answer correctly.
     */
    public static final class Rejected extends CellException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param cell    the cell.
         * @param message the instance's reason.
         */
        public Rejected(final String cell, final String message)
        {
            super(cell, message);
        }
    }

    /**
     * The handler threw something it did not declare; the instance keeps serving.
     */
    public static final class HandlerFailed extends CellException
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param cell    the cell.
         * @param message the handler and the exception's type and message.
         */
        public HandlerFailed(final String cell, final String message)
        {
            super(cell, message);
        }
    }
}
