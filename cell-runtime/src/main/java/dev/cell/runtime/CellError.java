package dev.cell.runtime;

/**
 * Base class of a cell's own typed errors: what a handler declares in {@code throws} and what the caller catches.
 * <p>
 * A subclass is written like a record: final fields, one public constructor whose parameters name them, and an
 * accessor per parameter with the parameter's name. Those parameters are the error's wire fields (same rules as
 * message records). Java records cannot be thrown, hence this shape; see docs/architecture.md.
 * <pre>{@code
 * public final class UnknownSymbol extends CellError
 * {
 *     private final String symbol;
 *
 *     public UnknownSymbol(final String symbol)
 *     {
 *         super("unknown symbol: " + symbol);
 *         this.symbol = symbol;
 *     }
 *
 *     public String symbol()
 *     {
 *         return symbol;
 *     }
 * }
 * }</pre>
 * Stack traces are not filled in: the error crosses a process boundary and its origin is the remote handler.
 *
 * @since 0.1
 */
public abstract class CellError extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message human readable description, built from the error's fields.
     */
    protected CellError(final String message)
    {
        super(message, null, false, false);
    }
}
