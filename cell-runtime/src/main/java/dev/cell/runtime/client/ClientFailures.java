package dev.cell.runtime.client;

import dev.cell.runtime.CellException;
import dev.cell.sbe.codecs.FailureCode;

/**
 * The exceptions and messages a connection raises, in one place.
 */
final class ClientFailures
{
    private ClientFailures()
    {
    }

    /**
     * @param cell   the cell.
     * @param code   the instance's failure code (null: unknown).
     * @param detail its words.
     * @return the exception the caller gets.
     */
    static CellException failure(final String cell, final FailureCode code, final String detail)
    {
        if (code == null)
        {
            return new CellException.Rejected(cell, detail);
        }
        return switch (code)
        {
            case DEADLINE_EXCEEDED -> new CellException.DeadlineExceeded(cell, detail);
            case HANDLER_FAILED, REPLY_TOO_LARGE -> new CellException.HandlerFailed(cell, detail);
            case UNAVAILABLE -> new CellException.Unavailable(cell, detail);
            case BAD_FRAME, UNKNOWN_HANDLER, REFUSED, NULL_VAL -> new CellException.Rejected(cell, detail);
        };
    }

    /**
     * A fresh exception of the kind of the cause a connection closed with, for each caller that finds it closed.
     *
     * @param cell       the cell.
     * @param instanceId the instance.
     * @param cause      why it closed (null: closed without one).
     * @return the exception.
     */
    static CellException closed(final String cell, final String instanceId, final CellException cause)
    {
        if (cause == null)
        {
            return new CellException.Unavailable(cell, "the connection to instance " + instanceId + " is closed");
        }
        return switch (cause)
        {
            case CellException.RemoteCrash e -> new CellException.RemoteCrash(cell, e.getMessage());
            case CellException.Rejected e -> new CellException.Rejected(cell, e.getMessage());
            case CellException.HandlerFailed e -> new CellException.HandlerFailed(cell, e.getMessage());
            case CellException.DeadlineExceeded e -> new CellException.DeadlineExceeded(cell, e.getMessage());
            default -> new CellException.Unavailable(cell, cause.getMessage());
        };
    }

    /**
     * @param cell       the cell.
     * @param instanceId the instance.
     * @return the failure of a junction file truncated by another process.
     */
    static CellException shrank(final String cell, final String instanceId)
    {
        return new CellException.Unavailable(cell, "the junction file to instance " + instanceId + " of cell '" +
            cell + "' shrank: it was truncated by another process");
    }

    /**
     * What a connection says when the instance sent a frame that fails the protocol check.
     */
    static String malformed(final String instanceId, final String problem)
    {
        return "instance " + instanceId + " sent a malformed frame: " + problem;
    }

    static String hung(final String instanceId, final String cell, final long ageMs)
    {
        return "instance " + instanceId + " of cell '" + cell + "' has not heartbeaten for " + ageMs +
            " ms: hung or stopped";
    }
}
